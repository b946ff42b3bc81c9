"""Random programs (tests/programs.py) against central differences: jaccli fwd, rev and
batched= never return a wrong number and never raise anything but a clear JaccliError.
A few hundred programs here (derandomised: the same ones every run); thousands before a
release with scripts/random_programs.py."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.programs import check


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2 ** 32 - 1))
def test_random_program_agrees_or_refuses_clearly(seed):
    verdict, detail = check(seed)
    assert verdict in ("agreed", "refused", "skipped"), f"seed {seed}: {verdict}: {detail}"
