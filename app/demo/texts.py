"""The Chinese wording of demo data: observations, needs, wishes, resources and reasons.

Plain tables, so the generator reads as the story of a household and a native speaker
can review the words in one place. `{county}` and `{township}` are filled in per village.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.codes import CareKind, NeedArea


def words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string, easier to review than quotes."""
    return tuple(text.split())


OBSERVATIONS: dict[str, tuple[str, ...]] = {
    "elderly": (
        "老人精神状态不错，和我们聊了家常。",
        "老人腿脚不便，屋内整洁，药品充足。",
        "提醒老人天冷注意保暖，检查了煤气灶和电线。",
        "老人血压偏高，叮嘱按时服药，已联系村医上门。",
        "帮老人打扫了卫生，清理了冰箱里的过期食品。",
        "老人说女儿每周打电话回来，生活费够用。",
        "老人耳背，交流需大声，饮食起居基本能自理。",
        "老人近来睡眠不好，陪他聊了半小时，情绪好转。",
    ),
    "phone": (
        "电话联系老人，声音洪亮，自述身体无碍。",
        "电话问候，老人说这周去镇卫生院配了药。",
        "电话里老人说邻居常来串门，不觉得孤单。",
        "电话联系，老人说天气转凉已添了被子。",
    ),
    "video": (
        "视频通话，看到老人正在做饭，状态良好。",
        "视频通话，老人展示了新配的助听器，使用正常。",
    ),
    "child": (
        "孩子在校成绩中等，班主任反映性格内向，建议多关心。",
        "检查了孩子的作业，学习用品齐全。",
        "孩子放假在家，由爷爷奶奶照看，饮食正常。",
        "与孩子谈心，孩子想念在外打工的父母。",
        "孩子身体健康，按时接种疫苗，衣物够穿。",
    ),
    "disability": (
        "残疾人两项补贴已按时到账，家属照护到位。",
        "家属照护辛苦，介绍了喘息服务政策。",
        "检查了轮椅和护理床，使用正常。",
    ),
    "family": (
        "家中生活基本稳定，收入主要靠务农和打零工。",
        "核对家庭成员和收入变化情况，无明显变化。",
        "户主在外务工，家中由妻子照顾老人孩子。",
        "家里刚收完稻谷，粮食充足。",
        "户主慢性病需长期服药，药费负担较重。",
    ),
    "policy": (
        "宣讲了医保参保和临时救助政策。",
        "讲解了低保年度复核需要准备的材料。",
        "介绍了微心愿和幸福超市积分兑换的办法。",
        "宣传了防诈骗知识，提醒不要轻信陌生电话。",
    ),
    "festival": (
        "春节前走访慰问，送上慰问金和米、油。",
        "节前慰问，送去棉被和春联，老人很高兴。",
    ),
    "double_ninth": ("重阳节慰问，送上长寿面和糕点，陪老人聊天。",),
    "major_event": (
        "了解变故情况，进行心理疏导，已登记临时救助需求。",
        "家属情绪低落，安抚并告知可申请的救助政策。",
        "查看受损情况，协调村里先行安排临时住处。",
    ),
    "nobody_home": (
        "敲门无人应答，电话未接通，邻居说老人去地里干活了。",
        "家中无人，已在门上留联系卡。",
        "大门锁着，邻居称家人外出走亲戚。",
    ),
    "refused": ("户主表示家里一切都好，不愿多谈，态度平和。",),
    "moved": ("已搬离本村，随子女到城里居住。", "房屋已出租，原住户搬往外地。"),
    "knock": (
        "敲门问需求：逐项询问了生活、就医、住房和孩子上学情况。",
        "敲门问需求：登记家庭近况和需求，留下联系方式。",
    ),
    "reported": (
        "网格巡查主动发现：独居老人，子女在外地，收入来源不明，建议核查救助条件。",
        "网格巡查主动发现：家中有重病患者，医疗支出大，建议核查支出型贫困。",
        "邻居反映情况后上门核实，家庭生活困难，已报镇里核查。",
    ),
}

CARE_FOR: dict[str, tuple[CareKind, ...]] = {
    "elderly": (CareKind.COMFORT, CareKind.DAILY_LIFE, CareKind.HUMANISTIC),
    "phone": (CareKind.COMFORT, CareKind.HUMANISTIC),
    "video": (CareKind.COMFORT, CareKind.HUMANISTIC),
    "child": (CareKind.HUMANISTIC, CareKind.COUNSELLING),
    "disability": (CareKind.DAILY_LIFE, CareKind.HUMANISTIC),
    "family": (CareKind.HUMANISTIC, CareKind.POLICY),
    "festival": (CareKind.HUMANISTIC, CareKind.COMFORT),
    "double_ninth": (CareKind.HUMANISTIC, CareKind.COMFORT),
    "major_event": (CareKind.COUNSELLING, CareKind.COMFORT),
    "knock": (CareKind.POLICY, CareKind.HUMANISTIC),
    "reported": (CareKind.POLICY,),
}

MAJOR_EVENTS = (
    "配偶因病去世",
    "房屋遭火灾受损",
    "突发脑梗住院",
    "遭遇车祸致骨折",
    "暴雨致房屋进水受损",
    "家庭主要劳动力失业",
    "确诊恶性肿瘤",
)

HEALTH_NOTES = {
    "severe_disability": ("肢体残疾一级", "智力残疾二级", "视力残疾一级", "精神残疾二级"),
    "disabled_care": ("脑梗后遗症，生活不能自理", "长期卧床，需专人照护", "阿尔茨海默病，需看护"),
    "chronic": ("高血压、糖尿病，长期服药", "慢性肾病，定期透析", "冠心病", "慢阻肺"),
}


@dataclass(frozen=True)
class Resource:
    """Where a need can be matched: a government programme, a charity project or 幸福超市."""

    name: str
    charity: bool


@dataclass(frozen=True)
class NeedText:
    """The wording of one kind of need, from raising it to closing it."""

    description: str
    resources: tuple[Resource, ...]
    fulfilment: str
    reasonable: str
    unreasonable: str


_GOV, _CHARITY = False, True

NEEDS: dict[NeedArea, tuple[NeedText, ...]] = {
    NeedArea.LIVING: (
        NeedText(
            "冬季取暖用品不足，需要棉被和取暖器",
            (
                Resource("幸福超市（{township}）", _GOV),
                Resource("{county}慈善总会·暖冬行动", _CHARITY),
            ),
            "发放棉被两床、取暖器一台",
            "家中确无取暖用品，符合暖冬帮扶条件",
            "家中取暖用品齐全，本次不予发放",
        ),
        NeedText(
            "家庭收入骤减，米面油等生活物资短缺",
            (Resource("临时救助", _GOV), Resource("幸福超市（{township}）", _GOV)),
            "发放临时救助金1500元，幸福超市兑换米油",
            "收入骤减属实，符合临时救助条件",
            "家庭收入已超过救助标准，按政策不能发放",
        ),
        NeedText(
            "家中电饭煲和热水壶损坏，希望更换",
            (Resource("幸福超市（{township}）", _GOV), Resource("助联体·邻里互助", _CHARITY)),
            "幸福超市积分兑换电饭煲一台",
            "生活必需品，金额小，可通过积分兑换解决",
            "已于上月领取同类物品，不重复发放",
        ),
    ),
    NeedArea.EDUCATION: (
        NeedText(
            "孩子下学期学杂费和生活费有困难",
            (
                Resource("教育资助（助学金）", _GOV),
                Resource("金华市慈善总会·助学圆梦", _CHARITY),
            ),
            "落实助学金2000元",
            "在校学生，家庭困难，符合资助条件",
            "已享受同类资助，不重复发放",
        ),
        NeedText(
            "孩子功课跟不上，需要课业辅导",
            (Resource("浙江师范大学青年志愿者·课业辅导", _CHARITY),),
            "安排大学生志愿者每周上门辅导两次",
            "孩子学习困难，家中无人辅导",
            "孩子已参加学校课后服务，暂不需要",
        ),
    ),
    NeedArea.MEDICAL: (
        NeedText(
            "慢性病门诊费用负担重，申请医疗救助",
            (Resource("医疗救助", _GOV), Resource("{county}红十字会·大病救助", _CHARITY)),
            "医疗救助报销自付部分6800元",
            "自付费用占家庭收入比例高，符合医疗救助条件",
            "费用已由医保和商业保险全额报销",
        ),
        NeedText(
            "行动不便，需要轮椅一辆",
            (Resource("残疾人辅具适配", _GOV), Resource("助联体·爱心辅具", _CHARITY)),
            "适配轮椅一辆并上门调试",
            "确有行走困难，符合辅具适配条件",
            "家中已有可用轮椅",
        ),
    ),
    NeedArea.HOUSING: (
        NeedText(
            "老房子屋顶漏雨，需要维修",
            (
                Resource("农村困难家庭危房改造", _GOV),
                Resource("{county}慈善总会·安居工程", _CHARITY),
            ),
            "完成屋顶翻修，更换瓦片和檩条",
            "经鉴定为C级危房，纳入改造计划",
            "房屋经鉴定安全，属日常维护，建议自行修缮",
        ),
        NeedText(
            "卫生间没有扶手，老人如厕困难",
            (Resource("困难老年人家庭适老化改造", _GOV),),
            "安装扶手和防滑地垫，改造蹲便为坐便",
            "高龄老人，符合适老化改造条件",
            "已纳入去年改造，设施完好",
        ),
    ),
    NeedArea.EMPLOYMENT: (
        NeedText(
            "户主失业在家，希望找份离家近的工作",
            (Resource("公益性岗位", _GOV), Resource("来料加工点", _GOV)),
            "安排村保洁公益性岗位，月收入2200元",
            "有劳动能力，有就业意愿",
            "当事人已找到工作，不再需要",
        ),
        NeedText(
            "希望参加技能培训，学门手艺",
            (Resource("人社局技能培训", _GOV), Resource("助联体·巧手工坊", _CHARITY)),
            "参加家政服务培训并取得证书",
            "有培训意愿，年龄符合条件",
            "所报培训不在补贴目录内",
        ),
    ),
    NeedArea.CARE: (
        NeedText(
            "独居老人希望定期有人上门陪伴",
            (
                Resource("居家养老服务中心", _GOV),
                Resource("金华市爱心助老服务中心·银龄结对", _CHARITY),
            ),
            "纳入居家养老上门服务，每周两次",
            "高龄独居，需要陪伴和照看",
            "子女同住，照料到位",
        ),
        NeedText(
            "做饭不便，需要助餐服务",
            (Resource("老年食堂助餐", _GOV),),
            "开通老年食堂助餐，每日送餐上门",
            "行动不便，无人做饭",
            "老人能自行做饭，暂不需要",
        ),
    ),
    NeedArea.WISH: (),  # wish needs take their wording from the wish
}

CLOSED_REASONS = (
    "家庭已搬离本村",
    "当事人表示不再需要",
    "已通过其他途径解决",
    "慈善组织暂无对应项目，已告知当事人",
)


@dataclass(frozen=True)
class WishItem:
    """A micro-wish (微心愿) people ask for: what, for whom and what it costs."""

    title: str
    description: str
    value: tuple[int, int]
    beneficiary: str  # child, elderly or adult


WISHES = (
    WishItem("一个新书包和一套文具", "孩子的书包用了三年，已经破了。", (120, 220), "child"),
    WishItem("一盏护眼台灯", "孩子晚上写作业光线暗。", (80, 180), "child"),
    WishItem("一辆儿童自行车", "想骑车去同学家玩。", (260, 420), "child"),
    WishItem("一套课外读物", "喜欢看书，家里没有课外书。", (100, 200), "child"),
    WishItem("一件羽绒服", "冬天只有一件旧棉袄。", (200, 380), "child"),
    WishItem("一台电饭煲", "旧电饭煲坏了，做饭不方便。", (150, 300), "elderly"),
    WishItem("两床新棉被", "被子太薄，冬天冷。", (200, 400), "elderly"),
    WishItem("一副老花镜", "看不清药盒上的字。", (60, 150), "elderly"),
    WishItem("一台收音机", "想听越剧和新闻。", (80, 160), "elderly"),
    WishItem("一个助行器", "走路不稳，怕摔跤。", (180, 350), "elderly"),
    WishItem("一台电子血压计", "要每天量血压。", (150, 260), "elderly"),
    WishItem("一双保暖棉鞋", "脚怕冷。", (60, 140), "adult"),
    WishItem("一台电风扇", "夏天屋里闷热。", (120, 220), "adult"),
)
OVER_CAP_WISHES = (
    WishItem("一台笔记本电脑", "孩子上网课需要。", (2800, 4500), "child"),
    WishItem("一部智能手机", "想和在外打工的儿子视频。", (900, 1600), "elderly"),
    WishItem("一辆电动自行车", "上班路远。", (1800, 2800), "adult"),
)

WISH_REJECTIONS = {
    "over_cap": "心愿金额超过500元上限，建议调整为价值较小的物品",
    "government": "属于政府救助保障范围，已转临时救助办理",
}
WISH_CANCELLATIONS = (
    "家属已自行购买",
    "心愿人随子女搬往外地",
    "心愿人表示不再需要",
)
DONORS = (
    "金华市慈善总会",
    "{county}慈善总会",
    "义乌小商品城爱心商户联盟",
    "浙江师范大学青年志愿者协会",
    "金华市红十字会",
    "爱心人士王女士",
    "爱心人士陈先生",
    "{township}商会",
    "国网金华供电公司红船共产党员服务队",
)
WISH_FULFILMENTS = (
    "已送到家中，心愿人很满意",
    "由认领单位上门送达并合影留念",
    "在村文化礼堂集中圆梦",
)


@dataclass(frozen=True)
class SharingPurpose:
    """A recipient and a purpose people are asked to consent to, with the data it needs."""

    recipient: str
    purpose: str
    categories: tuple[str, ...]


WISH_SHARING = SharingPurpose(
    "class:alliance_member", "wish", ("identity", "needs")
)  # fmt: skip  # 助联体成员单位, 微心愿发布 (SharePurpose.WISH)
REFERRAL_NOTES = {
    "sent": "已提交转介材料，等待对方回复",
    "accepted": "对方已受理，近期上门评估",
    "completed": "帮扶已落实，双方确认办结",
    "declined": "对方暂无对应项目，已告知当事人",
}
BACK_REFERRALS = (
    "{county}慈善总会",
    "金华市爱心助老服务中心",
    "浙江师范大学青年志愿者协会",
)
BACK_REFERRAL_PURPOSE = "慈善走访发现可能符合救助条件，转请民政部门核查"

HOUSEHOLD_NOTES = {
    "orphan": "父母双亡，由祖父母抚养",
    "de_facto_unsupported_child": "父亲服刑，母亲失联，由祖父母照看",
    "left_behind_child": "父母在外务工，孩子由祖父母照看",
    "zhichuxing": "家庭成员重病，医疗支出大",
    "exited": "家庭收入提高，已退出低保，列入监测",
    "rejected": "低保申请因收入超标未通过，列入监测",
    "temporary_aid": "去年因病申领过临时救助",
    "special_aid": "享受医疗专项救助",
    "left": "家庭收入提高，退出在册",
}
