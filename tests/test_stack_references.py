"""The preflight resolves StackReferences offline: the referenced stack runs first, and the
reference answers with its exports, secret ones still secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.engine.runner import ProgramError, run_stack

PROGRAM = '''
import pulumi
import pulumi_random as random

config = pulumi.Config()
source = config.get("standbyFor")
if not source:
    password = random.RandomPassword("password", length=20)
    pulumi.export("databaseArn", "arn:aws:rds:us-east-1:123456789012:db:primary")
    pulumi.export("password", password.result)
else:
    ref = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{source}")
    arn = ref.get_output("databaseArn")
    secret = ref.get_output("password")
    random.RandomId("uses-reference", byte_length=4, keepers={"arn": arn, "password": secret})
    pulumi.export("sourceArn", arn)
    pulumi.export("passwordIsSecret", secret.is_secret())
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: refs\nruntime: python\n")
    (tmp_path / "Pulumi.primary.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (tmp_path / "Pulumi.standby.yaml").write_text("config:\n  aws:region: us-west-2\n  refs:standbyFor: primary\n")
    (tmp_path / "Pulumi.orphan.yaml").write_text("config:\n  refs:standbyFor: nowhere\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


@pytest.mark.parametrize("preview", [True, False])
def test_a_reference_reads_the_referenced_stacks_exports(project: Path, preview: bool) -> None:
    run = run_stack("standby", project_dir=project, preview=preview)
    keepers = run.one("random:index/randomId:RandomId").inputs["keepers"]
    assert keepers["arn"] == "arn:aws:rds:us-east-1:123456789012:db:primary"
    assert "keepers" in run.one("random:index/randomId:RandomId").secret_inputs  # the password stays secret
    if not preview:
        assert run.exports["sourceArn"] == "arn:aws:rds:us-east-1:123456789012:db:primary"
        assert run.exports["passwordIsSecret"] is True


def test_the_referenced_stack_reports_its_secret_exports(project: Path) -> None:
    run = run_stack("primary", project_dir=project)
    assert run.secret_exports == {"password"}


def test_a_reference_to_a_stack_without_a_file_fails_in_the_program(project: Path) -> None:
    # The preflight does not run a stack that has no file; the program's own config check names the
    # key (this test program has none, so the reference itself fails).
    with pytest.raises(ProgramError, match="nowhere"):
        run_stack("orphan", project_dir=project)
