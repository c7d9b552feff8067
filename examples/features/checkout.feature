Feature: Checkout
  Every scenario, and every row of an outline's examples, is a Shoal test.

  Scenario: an empty basket costs nothing
    Given an empty basket
    Then the total is 0

  Scenario Outline: prices add up
    Given an empty basket
    When I add <count> items at <price>
    Then the total is <total>

    Examples:
      | count | price | total |
      | 1     | 5     | 5     |
      | 3     | 2     | 6     |

  # A tag can ask for a resource: this scenario takes one of the printers.
  @resource.printers
  Scenario: the receipt is printed
    Given an empty basket
    When I add 2 items at 3
    Then a receipt is printed
