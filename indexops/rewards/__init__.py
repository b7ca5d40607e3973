"""A productive index's reward and wrap calls under the self-service manager, and what would refuse them."""
