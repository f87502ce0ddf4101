from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cloudgate.cli import config
from cloudgate.cli.failures import UsageFailure
from cloudgate.cli.session import DEFAULT_URL, resolve_target


def test_config_dir_prefers_the_cloudgate_variable(tmp_path):
    assert config.config_dir({"CLOUDGATE_CONFIG_DIR": str(tmp_path), "XDG_CONFIG_HOME": "/x"}) == tmp_path
    assert config.config_dir({"XDG_CONFIG_HOME": "/x"}) == Path("/x/cloudgate")
    assert config.config_dir({}) == Path.home() / ".config" / "cloudgate"


def test_saved_login_round_trips_and_only_its_owner_can_read_it(tmp_path):
    login = config.SavedLogin("http://gw:8080", "cgt_secret", "admin", 123.0)
    path = config.save(login, tmp_path / "cfg")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load(tmp_path / "cfg") == login


def test_saving_over_a_readable_file_makes_it_private(tmp_path):
    path = tmp_path / config.CONFIG_FILE
    path.write_text("{}")
    path.chmod(0o644)
    config.save(config.SavedLogin(url="http://gw"), tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_file_is_no_login_and_a_broken_one_is_a_usage_failure(tmp_path):
    assert config.load(tmp_path) == config.SavedLogin()
    (tmp_path / config.CONFIG_FILE).write_text("not json")
    with pytest.raises(UsageFailure, match="cannot read"):
        config.load(tmp_path)


def test_the_saved_token_only_goes_to_the_url_it_came_from():
    saved = config.SavedLogin("http://gw:8080/", "cgt_saved")
    assert resolve_target(None, None, saved).token == "cgt_saved"
    assert resolve_target("http://gw:8080", None, saved).token == "cgt_saved"
    assert resolve_target("http://elsewhere:8080", None, saved).token is None
    assert resolve_target("http://elsewhere:8080", "cgt_given", saved).token == "cgt_given"
    assert resolve_target(None, None, config.SavedLogin()).url == DEFAULT_URL


def test_profiles_are_kept_side_by_side_in_one_private_file(tmp_path):
    dev = config.SavedLogin("http://dev:8080", "cgt_dev", "admin", 1.0)
    prod = config.SavedLogin("https://prod", "cgt_prod", "ci", 2.0)
    config.save(dev, tmp_path)
    path = config.save(prod, tmp_path, profile="prod")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load(tmp_path) == dev and config.load(tmp_path, "prod") == prod
    assert config.load_all(tmp_path) == {"default": dev, "prod": prod}
    assert config.load(tmp_path, "staging") == config.SavedLogin()
    assert [p.name for p in tmp_path.iterdir()] == [config.CONFIG_FILE]  # no temporary file left behind


def test_a_login_file_from_before_profiles_is_the_default_profile(tmp_path):
    path = tmp_path / config.CONFIG_FILE
    path.write_text('{"url": "http://gw:8080", "token": "cgt_old", "client_id": "admin", "expires_at": 5.0}')
    old = config.SavedLogin("http://gw:8080", "cgt_old", "admin", 5.0)
    assert config.load(tmp_path) == old
    config.save(config.SavedLogin("http://other", "cgt_new"), tmp_path, profile="other")
    assert config.load(tmp_path) == old  # rewritten in the new shape, the old login kept
    assert config.load(tmp_path, "other").token == "cgt_new"
