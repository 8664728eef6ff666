"""One module per ``worklist`` command; ``worklist.cli`` assembles them."""
