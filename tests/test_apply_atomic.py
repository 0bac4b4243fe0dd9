"""A crash during apply (issue 15, item 11): the tree FreeSWITCH reads is
always all old or all new, whatever line of the write a ``kill -9`` stops
it at, and the next apply completes the change."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from orchestrator.apply import tree as tree_module
from orchestrator.apply.tree import STATE_DIR, Transaction, compare, read_tree

OLD = {
    "freeswitch.xml": b"<document type='freeswitch/xml'>old</document>",
    "vars.xml": b"<include>old vars</include>",
    "autoload_configs/sofia.conf.xml": b"<configuration>old sofia</configuration>",
    "dialplan/centrex.xml": b"<include>old centrex</include>",
    "dialplan/tenants/acme.xml": b"<include>old acme</include>",
    "directory/acme.xml": b"<include>old acme users</include>",
    "directory/gone.xml": b"<include>a tenant deleted in the new tree</include>",
}
NEW = {
    "freeswitch.xml": b"<document type='freeswitch/xml'>new</document>",
    "vars.xml": OLD["vars.xml"],  # unchanged
    "autoload_configs/sofia.conf.xml": b"<configuration>new sofia</configuration>",
    "dialplan/centrex.xml": OLD["dialplan/centrex.xml"],
    "dialplan/tenants/acme.xml": b"<include>new acme</include>",
    "directory/acme.xml": b"<include>new acme users</include>",
    "directory/beta.xml": b"<include>a tenant added</include>",
    "lang/fr.xml": b"<include>a directory new at the top</include>",
}


class Crash(BaseException):
    """kill -9: nothing of the process runs after it (not even ``except Exception``)."""


def freeswitch_view(conf: Path) -> dict[str, bytes]:
    """What FreeSWITCH reads: every file under its ``-conf`` directory through
    the links, as its ``<name>/*.xml`` includes see them (hidden entries and
    our bookkeeping are not included, as ``*`` matches no hidden name)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(conf, followlinks=True):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath) / name
            # a link made for a top-level name of the next version leads
            # nowhere until the switch: an include's glob finds nothing there
            if not name.startswith(".") and path.exists():
                out[path.relative_to(conf).as_posix()] = path.read_bytes()
    return out


def crash_at(step: int, action) -> bool:
    """Run ``action``, stopping it at its ``step``-th line executed in
    ``apply/tree.py``; True if it was stopped (False: it completed first)."""
    seen = 0
    target = tree_module.__file__

    def local(frame, event, arg):
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == step:
                raise Crash
        return local

    def global_(frame, event, arg):
        return local if frame.f_code.co_filename == target else None

    sys.settrace(global_)
    try:
        action()
    except Crash:
        return True
    finally:
        sys.settrace(None)
    return False


def write(conf: Path, wanted: dict[str, bytes]) -> None:
    conf.mkdir(parents=True, exist_ok=True)
    Transaction(conf, wanted, compare(wanted, read_tree(conf))).write()


def plain(conf: Path, files: dict[str, bytes]) -> None:
    """A directory as the apply before versioned trees (or ``render --out``) left it."""
    for rel, body in files.items():
        (conf / rel).parent.mkdir(parents=True, exist_ok=True)
        (conf / rel).write_bytes(body)


@pytest.mark.parametrize("start", ["versioned", "plain"])
def test_a_crash_at_any_step_leaves_all_old_or_all_new(tmp_path, start, monkeypatch):
    # a process crash, not a power cut: what reached the kernel stays, so
    # fsync changes nothing here (and would make the 700 writes slow)
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    template = tmp_path / "template"
    if start == "versioned":
        write(template, OLD)  # a first apply: the layout with links exists
        assert (template / STATE_DIR / "current").is_symlink()
    else:
        plain(template, OLD)
    assert freeswitch_view(template) == OLD
    conf = tmp_path / "conf"
    outcomes = []
    step = 0
    while True:
        step += 1
        shutil.rmtree(conf, ignore_errors=True)
        shutil.copytree(template, conf, symlinks=True)
        if not crash_at(step, lambda: write(conf, NEW)):
            break
        view = freeswitch_view(conf)
        assert view in (OLD, NEW), f"a mix after a crash at step {step}"
        outcomes.append("old" if view == OLD else "new")
        write(conf, NEW)  # the next apply completes the change
        assert freeswitch_view(conf) == NEW and read_tree(conf) == NEW, step
        assert not list(conf.glob(".*.centrex-link*"))  # and leaves nothing behind
    assert freeswitch_view(conf) == NEW and read_tree(conf) == NEW
    assert step > 50 and "old" in outcomes and "new" in outcomes  # crashes before and after the switch
    versions = sorted(p.name for p in (conf / STATE_DIR / "trees").iterdir())
    assert len(versions) == 2  # the live one and the one it replaced, nothing half-built


def test_rollback_puts_the_previous_version_back_at_once(tmp_path):
    conf = tmp_path / "conf"
    write(conf, OLD)
    tx = Transaction(conf, NEW, compare(NEW, read_tree(conf)))
    tx.write()
    assert freeswitch_view(conf) == NEW
    tx.rollback()
    assert freeswitch_view(conf) == OLD and read_tree(conf) == OLD
    assert len(list((conf / STATE_DIR / "trees").iterdir())) == 1


def test_a_tenant_scoped_change_keeps_the_other_files(tmp_path):
    conf = tmp_path / "conf"
    write(conf, OLD)
    wanted = {"directory/acme.xml": b"<include>only this</include>"}
    scope = {"directory/acme.xml"}
    Transaction(conf, wanted, compare(wanted, read_tree(conf, only=scope), scope)).write()
    assert freeswitch_view(conf) == {**OLD, **wanted}


def test_a_crash_between_the_switch_and_the_reload_is_reloaded_next_time(ctx, tmp_path):
    """The node's state never says live what FreeSWITCH has not loaded."""
    from fake_freeswitch.server import FakeFreeSWITCH
    from helpers import make_line, make_tenant
    from test_apply import PASSWORD, answering, platform_for

    from orchestrator.apply.engine import esl_reloader
    from orchestrator.apply.service import apply, is_live, node_states
    from orchestrator.services.lines import service as lines_service

    tenant = make_tenant(ctx, "Acme")
    line = make_line(ctx, tenant, "+33175000001")
    ctx.commit()
    with FakeFreeSWITCH(password=PASSWORD) as fs:
        answering(fs)
        platform = platform_for(tmp_path, fs)
        [first] = apply(ctx.session, platform, esl_reloader())
        assert first.status == "applied"
        lines_service.update(ctx, line, {"ring_time": 45})
        ctx.commit()

        def killed(node, commands):
            raise Crash  # kill -9 after the switch, before FreeSWITCH reloads

        with pytest.raises(Crash):
            apply(ctx.session, platform, killed)
        ctx.session.rollback()
        dialplan = platform.nodes[0].conf_dir / "dialplan/tenants/acme.centrex.test.xml"
        assert "centrex_ring_time=45" in dialplan.read_text()  # on disk, not loaded
        assert node_states(ctx.session)[0].result == "ok" and not is_live(ctx.session, tenant, platform)["fs1"]
        fs.commands.clear()
        [again] = apply(ctx.session, platform, esl_reloader())
        assert again.status == "applied" and not again.change  # nothing to write, but reloaded
        assert "api reloadxml" in fs.commands
        assert is_live(ctx.session, tenant, platform) == {"fs1": True}


def test_kill_9_during_applies_never_leaves_a_mix(tmp_path):
    """A real ``kill -9`` of a process that applies two trees in turn, 20
    times at whatever point it has reached."""
    import subprocess

    conf = tmp_path / "conf"
    write(conf, OLD)
    script = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from pathlib import Path\n"
        "from test_apply_atomic import OLD, NEW, write\n"
        "conf = Path(sys.argv[1])\n"
        "i = 0\n"
        "while True:\n"
        "    write(conf, NEW if i % 2 == 0 else OLD)\n"
        "    i += 1\n"
        "    print(i, flush=True)\n")
    for round_ in range(20):
        proc = subprocess.Popen([sys.executable, "-c", script, str(conf), str(Path(__file__).parent)],
                                stdout=subprocess.PIPE, text=True)
        for _ in range(1 + round_ % 4):  # a few applies done, the next one under way
            assert proc.stdout.readline()
        proc.kill()
        proc.wait(30)
        view = freeswitch_view(conf)
        assert view in (OLD, NEW), f"a mix after kill -9 number {round_ + 1}"
    write(conf, NEW)
    assert freeswitch_view(conf) == NEW
