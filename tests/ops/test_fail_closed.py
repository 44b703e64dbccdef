"""Fail closed: a Prefect setting that changes security or data handling and that Praetor
does not implement stops the server at start-up, naming the setting (never its value, which
may hold credentials); Prefect's default value is accepted. Praetor-only: Prefect's server
implements these settings."""

import pytest

REFUSED = [
    ("PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED", "true"),
    ("PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_SEARCH_PATH", "tenant_schema"),
    ("PREFECT_MESSAGING_BROKER", "prefect_redis.messaging"),
    ("PREFECT_SERVER_DOCKET_URL", "redis://:hunter2secret@redis:6379/0"),
    ("PREFECT_SERVER_API_MAX_PARAMETER_SIZE", "77777"),
]


@pytest.mark.parametrize("name,value", REFUSED)
def test_unimplemented_setting_refuses_start(praetor_factory, name, value):
    p = praetor_factory(env={name: value}).spawn()
    code = p.proc.wait(timeout=15)
    p.log.close()
    log = p.log_text()
    assert code != 0, log
    assert name in log and "does not implement" in log, log
    assert value not in log, log


def test_prefect_defaults_of_unimplemented_settings_are_accepted(praetor_factory):
    p = praetor_factory(env={"PREFECT_SERVER_DATABASE_SQLALCHEMY_CONNECT_ARGS_TLS_ENABLED": "false",
                             "PREFECT_SERVER_EVENTS_MESSAGING_BROKER": "prefect.server.utilities.messaging.memory",
                             "PREFECT_SERVER_DOCKET_URL": "memory://",
                             "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true"}).start()
    assert p.status("/health") == 200
    assert p.terminate() == 0


def test_auth_string_never_reaches_the_log(praetor_factory):
    secret = "admin:pa55-never-logged"
    p = praetor_factory(env={"PREFECT_SERVER_API_AUTH_STRING": secret, "PREFECT_SERVER_LOGGING_LEVEL": "DEBUG"})
    p.start(wait="/health")
    assert p.status("/flows/name/x") == 401
    p.terminate()
    assert secret not in p.log_text()
