"""Prompt resend after a peer's restart (docs/restart.md, "Prompt resend"): a disk model or a terminal model killed
with a request in flight closes its connections; blkback's native driver and the console backend see the
connection close and send the request again as soon as the new model is up, instead of after their 500 ms / 1 s
timeouts. Measured through `xenarm soak` on the block topology, killing only disk and terminal models: every
kill's recovery (kill -> the guest's next completed I/O, or its next console line) must come soon after the
model's restart (kill -> ready), where the timeouts put it 330-1200 ms after."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_soak import assert_clean, local_topology, run_soak  # noqa: E402

# Slack between the new model being ready and the guest's I/O or line showing the service flowing again. The
# fallback timeouts cost at least 500 - 180 ms (disk) and 1000 - 180 ms (terminal) past ready.
SLACK_MS = 250


def test_models_killed_with_requests_in_flight_are_answered_soon_after_their_restart(xenarm, repo, tmp_path):
    topology = local_topology(repo, tmp_path, "soak.yaml", ["blk-soak"], ["disk0.img", "disk1.img", "term0.log"])
    result, report = run_soak(xenarm, topology, tmp_path, "--kills", "16", "--interval", "400", "--seed", "11",
                              "--kinds", "disk,terminal")
    assert_clean(result, report, 16, {"disk", "terminal"})
    late = [k for k in report["kills"] if k["recoveryMilliseconds"] is not None
            and k["recoveryMilliseconds"] > k["restartMilliseconds"] + SLACK_MS]
    assert late == [], late
    recovered = [k for k in report["kills"] if k["recoveryMilliseconds"] is not None]
    assert len(recovered) >= 12, report["kills"]
