"""Start screen: several workers, PIN pad, wrong PINs, enrolment."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.store.sandbox import Sandbox
from app.ui.viewmodels.device import DeviceSettings
from app.ui.viewmodels.start import StartVM
from tests.ui.builders import PIN, make_sandbox
from tests.ui.conftest import Clock
from tests.ui.harness import Client


def _vm(data_dir: Path, clock: Clock, **kw: object) -> StartVM:
    return StartVM(data_dir, DeviceSettings(), clock=clock, **kw)  # type: ignore[arg-type]


def test_no_account_opens_enrolment(tmp_path: Path, clock: Clock) -> None:
    vm = _vm(tmp_path, clock)
    assert vm.accounts == [] and vm.enrolling


def test_the_only_worker_is_selected_and_the_pad_unlocks(data_dir: Path, clock: Clock) -> None:
    vm = _vm(data_dir, clock)
    assert vm.selected_name == "王网格" and not vm.enrolling
    for digit in PIN:
        vm.press(digit)
    vm.press("x")  # not a digit: ignored
    assert vm.pin == PIN and vm.pin_dots == "●" * len(PIN)
    ws = vm.unlock()
    assert ws is not None and vm.message == "" and vm.pin == ""
    assert len(ws.roster.households) == 31
    ws.lock()


def test_wrong_pin_says_how_many_tries_remain(data_dir: Path, clock: Clock) -> None:
    vm = _vm(data_dir, clock)
    vm.set_pin("000000")
    assert vm.unlock() is None
    assert vm.message == "PIN 不正确，还可尝试 9 次。"
    vm.set_pin("12")
    assert vm.unlock() is None and "至少 6 位" in vm.message


def test_the_wait_counts_down_and_the_last_try_is_announced(data_dir: Path, clock: Clock) -> None:
    vm = _vm(data_dir, clock)
    for _ in range(5):
        vm.set_pin("000000")
        assert vm.unlock() is None
    assert vm.message == "PIN 不正确，还可尝试 5 次。"
    assert vm.notice() == "PIN 错误次数过多，请在 30 秒后再试。"
    clock.advance(seconds=12)
    assert vm.notice() == "PIN 错误次数过多，请在 18 秒后再试。"
    vm.set_pin("000000")
    assert vm.unlock() is None and vm.message == ""  # not counted: still waiting
    assert vm.notice() == "PIN 错误次数过多，请在 18 秒后再试。"
    for wait in (18, 60, 120, 240):
        clock.advance(seconds=wait)
        assert vm.wait_seconds() == 0
        vm.set_pin("000000")
        assert vm.unlock() is None
    assert vm.message == "PIN 不正确，还可尝试 1 次。"
    clock.advance(seconds=480)
    assert vm.notice() == ("注意：再输错一次，本账户将被锁定，只能由县级管理员用托管密钥恢复。")
    vm.set_pin(PIN)
    ws = vm.unlock()
    assert ws is not None and vm.notice() == ""
    ws.lock()


def test_the_start_screen_counts_the_wait_down(
    data_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.ui.views import start

    monkeypatch.setattr(start, "TICK_S", 0.01)

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        for _ in range(5):
            await client.type("PIN", "000000")
            await client.click("解锁")
            await client.settle()
        assert client.has_text("PIN 错误次数过多，请在 30 秒后再试。")
        clock.advance(seconds=12)
        await client.settle()
        assert client.has_text("PIN 错误次数过多，请在 18 秒后再试。")
        clock.advance(seconds=18)
        await client.settle()
        assert not client.has_text("秒后再试")

    asyncio.run(go())


def test_several_workers_choose_first(data_dir: Path, clock: Clock) -> None:
    make_sandbox(data_dir, worker="李协理", pin="246810")
    vm = _vm(data_dir, clock)
    assert {a.worker_name for a in vm.accounts} == {"王网格", "李协理"}
    assert vm.selected is None
    vm.set_pin("246810")
    assert vm.unlock() is None and vm.message == "请先选择工作人员。"
    vm.select(next(a.sandbox_id for a in vm.accounts if a.worker_name == "李协理"))
    vm.set_pin("246810")
    ws = vm.unlock()
    assert ws is not None and ws.profile.name == "李协理"
    ws.lock()


def test_enrolment_checks_every_field(tmp_path: Path, clock: Clock) -> None:
    vm = _vm(tmp_path, clock, enroll=lambda *a: None)
    vm.new_pin, vm.new_pin_again = "123", "456"
    assert vm.enrol() is None
    assert set(vm.errors) == {"server_url", "code", "new_pin", "new_pin_again"}
    assert vm.message == "请检查标红的项目。"


def test_enrolment_failure_is_a_sentence(tmp_path: Path, clock: Clock) -> None:
    from sync.errors import EnrollmentFailed

    def refuse(*_a: object) -> Sandbox:
        raise EnrollmentFailed("sync.code_unusable")

    vm = _vm(tmp_path, clock, enroll=refuse)
    vm.server_url, vm.code, vm.new_pin, vm.new_pin_again = (
        "http://127.0.0.1:1",
        "ABCD-1234",
        PIN,
        PIN,
    )
    assert vm.enrol() is None
    assert vm.message == "登记码无效、已使用或已过期。"


def test_enrolment_takes_a_bare_host_as_https_and_the_qr_text(tmp_path: Path, clock: Clock) -> None:
    calls: list[tuple[str, str]] = []

    def enroll(data_dir: Path, server: str, code: str, pin: str) -> Sandbox:
        calls.append((server, code))
        sandbox, _key = Sandbox.create(data_dir, f"社工{len(calls)}", pin, scrypt_n=2**10)
        return sandbox

    vm = _vm(tmp_path, clock, enroll=enroll)
    vm.server_url, vm.code, vm.new_pin, vm.new_pin_again = "county.example.cn", "ABCD", PIN, PIN
    ws = vm.enrol()
    assert ws is not None and calls[-1] == ("https://county.example.cn", "ABCD")
    ws.lock()

    vm.start_enrolling()
    vm.server_url, vm.new_pin, vm.new_pin_again = "", PIN, PIN
    qr = "doorstep:enroll?code=WXYZ&server=https://county.example.cn&pin=sha256:ab12"
    vm.set_code(qr)
    assert vm.server_url == "https://county.example.cn"
    ws = vm.enrol()
    assert ws is not None and calls[-1] == ("https://county.example.cn", qr)
    ws.lock()

    vm.start_enrolling()
    vm.server_url, vm.code, vm.new_pin, vm.new_pin_again = "ftp://x", "ABCD", PIN, PIN
    assert vm.enrol() is None
    assert vm.errors["server_url"] == "服务器地址无效：ftp://x"


def test_enrolment_creates_the_sandbox_and_unlocks(tmp_path: Path, clock: Clock) -> None:
    calls = []

    def enroll(data_dir: Path, server: str, code: str, pin: str) -> Sandbox:
        calls.append((server, code))
        sandbox, _key = Sandbox.create(data_dir, "赵社工", pin, scrypt_n=2**10)
        return sandbox

    vm = _vm(tmp_path, clock, enroll=enroll)
    vm.server_url, vm.code, vm.new_pin, vm.new_pin_again = (
        " http://127.0.0.1:8000 ",
        "ABCD",
        PIN,
        PIN,
    )
    ws = vm.enrol()
    assert calls == [("http://127.0.0.1:8000", "ABCD")]
    assert ws is not None and ws.profile.name == "赵社工"
    assert vm.new_pin == "" and vm.code == ""
    ws.lock()


# --- a device with no keystore: passphrases, masked names (issue 9, items 13 and 14) --------

PASSPHRASE = "anding2026ok"


def test_without_a_keystore_enrolment_asks_for_a_passphrase(
    tmp_path: Path, clock: Clock, no_keystore: None
) -> None:
    def enroll(data_dir: Path, server: str, code: str, pin: str) -> Sandbox:
        sandbox, _key = Sandbox.create(data_dir, "赵社工", pin, scrypt_n=2**10)
        return sandbox

    vm = _vm(tmp_path, clock, enroll=enroll)
    assert vm.keystore is None and vm.enrol_passphrase
    vm.server_url, vm.code = "http://127.0.0.1:8000", "ABCD"
    vm.new_pin = vm.new_pin_again = PIN
    assert vm.enrol() is None and "口令" in vm.errors["new_pin"]
    vm.new_pin = vm.new_pin_again = PASSPHRASE
    ws = vm.enrol()
    assert ws is not None and ws.profile.name == "赵社工"
    ws.lock()

    again = _vm(tmp_path, clock)
    assert [a.worker_name for a in again.accounts] == ["赵*工"], "a masked name before unlock"
    assert again.passphrase
    again.set_pin(PASSPHRASE)  # letters are kept for a passphrase
    assert again.pin == PASSPHRASE
    ws = again.unlock()
    assert ws is not None and ws.profile.name == "赵社工"
    ws.lock()


def test_with_a_keystore_the_pad_takes_digits_only(data_dir: Path, clock: Clock) -> None:
    vm = _vm(data_dir, clock)
    assert vm.keystore is not None and not vm.passphrase and not vm.enrol_passphrase
    vm.set_pin("12ab34")
    assert vm.pin == "1234"


def test_a_photo_or_file_of_the_enrolment_qr_code_fills_the_form(
    tmp_path: Path, clock: Clock
) -> None:
    """The county's QR code (the PNG `doorstep server enrol --qr` saves, or a photo of
    it) fills the code and the empty server address; another QR code, or a picture
    with none, says why in one sentence and changes nothing."""
    import io

    import segno
    from PIL import Image

    from sync.server.services import admin

    qr = "doorstep:enroll?code=QRCD-1234&server=https://county.example.cn:8443&pin=sha256:ab12"
    vm = _vm(tmp_path, clock)
    vm.start_enrolling()
    assert vm.read_code_image(admin.qr_png(qr)) is None
    assert (vm.code, vm.server_url) == (qr, "https://county.example.cn:8443")

    vm.code, vm.server_url = "", ""
    other = io.BytesIO()
    segno.make("https://example.com/not-an-enrolment").save(other, kind="png", scale=6)
    assert vm.read_code_image(other.getvalue()) == (
        "这个二维码不是登记二维码（应以 doorstep:enroll? 开头），请向县级管理员索取。"
    )
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 200, 200)).save(blank, "JPEG")
    assert vm.read_code_image(blank.getvalue()).startswith("图中没有找到可识别的二维码")  # type: ignore[union-attr]
    assert vm.read_code_image(b"%PDF-1.4 not an image") == "无法识别：文件不是 JPEG 或 PNG 图片。"
    assert (vm.code, vm.server_url) == ("", "")
