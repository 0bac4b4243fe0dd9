from __future__ import annotations

import pytest

from orchestrator.config import ConfigError, load_settings


def test_defaults_use_sqlite_under_var(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.database_url == ""
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'var' / 'orchestrator.sqlite3'}"
    assert settings.default_region == "FR"
    assert settings.redis_url == ""


def test_toml_then_environment_wins(tmp_path):
    cfg = tmp_path / "o.toml"
    cfg.write_text('database_url = "sqlite:////tmp/x.db"\nredis_url = "redis://file"\n'
                   'default_line_limit = 12\n[nodes.fs1]\nesl = "127.0.0.1:8021"\n')
    settings = load_settings(cfg, env={"REDIS_URL": "redis://env"})
    assert settings.database_url == "sqlite:////tmp/x.db"
    assert settings.redis_url == "redis://env"
    assert settings.default_line_limit == 12
    assert settings.extra["nodes"]["fs1"]["esl"] == "127.0.0.1:8021"


def test_config_file_from_environment_variable(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('default_region = "BE"\n')
    assert load_settings(env={"ORCHESTRATOR_CONFIG": str(cfg)}).default_region == "BE"


@pytest.mark.parametrize("content,needle", [("nonsense = 1\n", "unknown setting 'nonsense'"),
                                            ("default_line_limit = 'many'\n", "whole number"),
                                            ("x = [\n", "not valid TOML"),
                                            ("default_timezone = 'right/UTC'\n", "'default_timezone': 'right/UTC' is "
                                             "not a time zone of the IANA database")])
def test_bad_configuration_is_explained(tmp_path, content, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_settings(cfg, env={})
    assert needle in str(exc.value)


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_structured_logs_keep_the_traceback(capsys):
    """An exception logged by the web app or a service is a key=value line
    followed by its traceback (it used to be dropped)."""
    import logging

    from orchestrator.runtime import configure_logging

    configure_logging("INFO")
    log = logging.getLogger("webui.app")
    try:
        raise FileNotFoundError("var/media/x.wav")
    except FileNotFoundError:
        log.exception("Exception on /x [GET]", extra={"path": "/x"})
    err = capsys.readouterr().err
    first, *rest = err.splitlines()
    assert "level=ERROR logger=webui.app msg='Exception on /x [GET]' path='/x'" in first
    assert rest[0] == "Traceback (most recent call last):" and rest[-1] == "FileNotFoundError: var/media/x.wav"


def test_gateway_clir_mode(tmp_path):
    """L-3: how a hidden number reaches the carrier is a gateway setting,
    P-Asserted-Identity by default; anything but pai or rpid is refused."""
    from orchestrator.config import platform_from_settings

    cfg = tmp_path / "o.toml"
    cfg.write_text('[gateway]\nproxy = "192.0.2.1:5060"\n')
    assert platform_from_settings(load_settings(cfg, env={})).gateway.clir == "pai"
    cfg.write_text('[gateway]\nclir = "rpid"\n')
    assert platform_from_settings(load_settings(cfg, env={})).gateway.clir == "rpid"
    cfg.write_text('[gateway]\nclir = "hidden"\n')
    with pytest.raises(ConfigError, match=r"\[gateway\] clir must be one of pai, rpid, got 'hidden'"):
        platform_from_settings(load_settings(cfg, env={}))
