# Step definitions of examples/features/checkout.feature, plain behave.
import os

from behave import given, then, when


@given("an empty basket")
def empty_basket(context):
    context.total = 0


@when("I add {count:d} items at {price:d}")
def add_items(context, count, price):
    context.total += count * price


@then("the total is {total:d}")
def check_total(context, total):
    assert context.total == total, "total is %d" % context.total


@then("a receipt is printed")
def receipt(context):
    assert os.environ["SHOAL_RESOURCE_PRINTERS"] in ("0", "1")
