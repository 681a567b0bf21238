"""What each page shows, as panels (`socialrx.panels`): one module per page, named like it."""
