"""Route handlers: one module per product, plus OAuth, identity, test controls and pages."""
