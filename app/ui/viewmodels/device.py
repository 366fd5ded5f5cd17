"""This device's settings (设备设置): language, text size, server override, lock time.

Kept in DATA_DIR/settings.json, beside the sandboxes; it holds nothing personal, so it is
readable before anyone unlocks. Every worker on a shared device sees the same settings.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from app.ui.catalogue import LANGUAGES

LOCK_CHOICES = (1, 2, 5, 10, 15, 30)


@dataclass
class DeviceSettings:
    language: str = "zh"
    server_url: str = ""  # overrides the enrolled address when the county moves its server
    lock_minutes: int | None = None  # None: the county policy's idle_lock_minutes
    large_text: bool = False  # 大字（适老化）: every text 1.25× larger

    @classmethod
    def load(cls, data_dir: Path) -> DeviceSettings:
        """The saved settings, or the defaults when there are none or they are unreadable."""
        path = data_dir / "settings.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        settings = cls()
        if raw.get("language") in LANGUAGES:
            settings.language = raw["language"]
        if isinstance(raw.get("server_url"), str):
            settings.server_url = raw["server_url"]
        if isinstance(raw.get("lock_minutes"), int) and 1 <= raw["lock_minutes"] <= 240:
            settings.lock_minutes = raw["lock_minutes"]
        if isinstance(raw.get("large_text"), bool):
            settings.large_text = raw["large_text"]
        return settings

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / "settings.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def check_server_url(url: str) -> str:
    """The address as typed, a bare host taken as HTTPS (county.example.cn →
    https://county.example.cn), under the sync client's rule: HTTPS, except to this machine."""
    url = url.strip()
    if url and "://" not in url:
        url = "https://" + url
    try:
        from sync.transport import check_url
    except ImportError:
        return url
    return check_url(url)
