"""Views, one module per screen: cases, health, and more as features land."""
