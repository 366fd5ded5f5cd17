"""Settings: language, lock time, server address, PIN change, sign out, wipe."""

from __future__ import annotations

import json
from pathlib import Path

from app.store.keystore import secret_entry
from app.store.repositories.sync_state import EnrolledWorker, Enrolment
from app.store.sandbox import list_sandboxes
from app.ui.viewmodels.device import DeviceSettings
from app.ui.viewmodels.settings import SettingsVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import Clock


def _vm(ws: Workspace, data_dir: Path) -> SettingsVM:
    return SettingsVM(ws, DeviceSettings.load(data_dir), data_dir)


def test_language_and_lock_time_are_saved(ws: Workspace, data_dir: Path) -> None:
    vm = _vm(ws, data_dir)
    vm.set_language("en")
    vm.set_lock_minutes(10)
    vm.set_lock_minutes(7)  # not offered: ignored
    saved = json.loads((data_dir / "settings.json").read_text(encoding="utf-8"))
    assert saved["language"] == "en" and saved["lock_minutes"] == 10
    assert ws.lock_minutes == 10
    assert DeviceSettings.load(data_dir).language == "en"


def test_idle_lock_follows_the_setting(ws: Workspace, clock: Clock) -> None:
    ws.lock_minutes = 5
    ws.touch()
    clock.advance(minutes=4, seconds=59)
    assert not ws.idle_expired()
    clock.advance(seconds=1)
    assert ws.idle_expired()


def test_server_address_must_be_https_except_loopback(ws: Workspace, data_dir: Path) -> None:
    vm = _vm(ws, data_dir)
    vm.server_url = "http://county.example.cn"
    assert not vm.save_server()
    assert vm.errors["server_url"] == "只能通过 HTTPS 连接服务器（本机地址除外）。"
    vm.server_url = "http://127.0.0.1:8000"
    assert vm.save_server() and DeviceSettings.load(data_dir).server_url == "http://127.0.0.1:8000"


def test_change_pin(ws: Workspace, data_dir: Path) -> None:
    vm = _vm(ws, data_dir)
    vm.old_pin, vm.new_pin, vm.new_pin_again = "999999", "24681357", "24681357"
    assert not vm.change_pin()
    assert vm.errors["old_pin"].startswith("PIN 不正确")
    vm.old_pin, vm.new_pin, vm.new_pin_again = PIN, "24681357", "2468"
    assert not vm.change_pin() and set(vm.errors) == {"new_pin_again"}
    vm.old_pin, vm.new_pin, vm.new_pin_again = PIN, "24681357", "24681357"
    assert vm.change_pin() and vm.message == "PIN 已修改。"
    assert vm.old_pin == vm.new_pin == ""
    list_sandboxes(data_dir)[0].unlock("24681357")


def test_sign_out_locks(ws: Workspace, data_dir: Path) -> None:
    _vm(ws, data_dir).sign_out()
    assert ws.locked and ws.roster.households == {}


def test_wipe_needs_the_pin_then_removes_every_worker(ws: Workspace, data_dir: Path) -> None:
    vm = _vm(ws, data_dir)
    vm.set_language("en")
    assert not vm.wipe_device("")
    assert not vm.wipe_device("000000") and vm.message.startswith("Wrong PIN")  # in English
    assert list_sandboxes(data_dir)
    keystore = ws.sandbox.keystore
    assert keystore is not None
    secret = secret_entry(ws.sandbox.info.sandbox_id)
    assert keystore.get(secret)
    assert vm.wipe_device(PIN)
    assert list_sandboxes(data_dir) == [] and not (data_dir / "settings.json").exists()
    assert ws.locked
    assert keystore.get(secret) is None, "the keystore's secret goes with the sandbox"


def test_areas_by_name_and_the_enrolled_server_shown(ws: Workspace, data_dir: Path) -> None:
    with ws.store.unit_of_work() as uow:
        uow.sync_state.set_scope(["330702102", "330703101201"])
        worker = EnrolledWorker(ws.store.worker_id, "王网格", "worker")
        uow.sync_state.enrol(Enrolment(bytes(32), "https://county.example.cn", worker))
        uow.sync_state.set_area_names({"330702102": "安地镇"})
        uow.commit()
    ws.reload()
    vm = _vm(ws, data_dir)
    assert vm.areas() == "安地镇、金东区 330703101201"
    assert vm.server_url == "https://county.example.cn"
    assert vm.server_line() == "本设备与登记时的服务器同步：https://county.example.cn"
    vm.server_url = "sync.county.example.cn"  # a bare host: HTTPS assumed
    assert vm.save_server()
    assert DeviceSettings.load(data_dir).server_url == "https://sync.county.example.cn"
    assert vm.server_line() == "本设备改为与此服务器同步：https://sync.county.example.cn"
    vm.server_url = "https://county.example.cn"  # back to the enrolled one: no override
    assert vm.save_server() and DeviceSettings.load(data_dir).server_url == ""
    assert vm.server_line() == "本设备与登记时的服务器同步：https://county.example.cn"
