# A pytest module: every test (and every parameter) is a Shoal test. They
# run in long-lived pytest workers, one per Shoal worker, so the module
# fixture below is set up once per worker, not once per test.
import os

import pytest


@pytest.fixture(scope="module")
def stock():
    return {"apples": 3, "pears": 0}


def test_apples_in_stock(stock):
    assert stock["apples"] > 0


@pytest.mark.parametrize("wanted", [1, 2, 3, 4])
def test_take_apples(stock, wanted):
    # 4 is more than there is: this one fails, on purpose.
    assert stock["apples"] - wanted >= 0, "only %d apples left" % stock["apples"]


@pytest.mark.xfail(reason="pears are not sold yet")
def test_pears_in_stock(stock):
    assert stock["pears"] > 0


# A counted resource: shoal.yaml declares 2 printers; this test gets one of
# them, and its identity in SHOAL_RESOURCE_PRINTERS.
@pytest.mark.shoal_resource("printers")
def test_print_receipt():
    assert os.environ["SHOAL_RESOURCE_PRINTERS"] in ("0", "1")
