"""What each page shows, as panels (`socialrx.views.panels`): one module per page, named like it."""
