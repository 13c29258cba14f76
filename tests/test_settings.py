import json
import os
import stat

import pytest

from appliance.settings import SETTINGS, Settings, SettingsError


def test_defaults_and_secret_key(tmp_path):
    settings = Settings.load({"data_dir": str(tmp_path)}, environ={})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8765
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert Settings.load({"data_dir": str(tmp_path)}, environ={}).secret_key == settings.secret_key


def test_priority_file_then_environment_then_flags(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"port": 9000, "max_message_length": 100}))
    settings = Settings.load({"data_dir": str(tmp_path)}, environ={"HEARTH_PORT": "9100"})
    assert (settings.port, settings.max_message_length) == (9100, 100)
    assert Settings.load({"data_dir": str(tmp_path), "port": 9200}, environ={"HEARTH_PORT": "9100"}).port == 9200


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not valid JSON"),
    ('{"colour": 1}', "unknown setting"),
    ('{"port": "many"}', "must be int"),
    ('{"port": 70000}', "between 1 and 65535"),
    ('{"lan_host": "every"}', "lan_host must be an IP address"),
    ('{"lan_host": "localhost"}', "lan_host must be an IP address to listen on, like 0.0.0.0"),
    ('{"lan_host": ""}', "lan_host must be an IP address"),
    ('{"lan_address": "http://192.168.1.10:8765"}', "no http:// or port"),
    ('{"lan_address": "192.168.1.10:8765"}', "no http:// or port"),
])
def test_bad_settings_file_says_what_to_fix(tmp_path, content, problem):
    (tmp_path / "settings.json").write_text(content)
    with pytest.raises(SettingsError, match=problem):
        Settings.load({"data_dir": str(tmp_path)}, environ={})


def test_every_setting_is_documented():
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert setting.name in Settings.__dataclass_fields__
