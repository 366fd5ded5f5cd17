from tests.sync.conftest import VILLAGE_A
from tests.sync.records import household, person, visit


def test_two_devices_share_a_village(make_device):
    a = make_device(areas=[VILLAGE_A])
    b = make_device(areas=[VILLAGE_A])
    h = household(VILLAGE_A)
    a.store.add_many([h, person(h), visit(h, a.worker_id)])
    report = a.sync()
    assert (report.pushed, report.rejected) == (3, 0)
    report_b = b.sync()
    assert report_b.pulled == 3
    assert b.store.counts()["visit"] == 1
