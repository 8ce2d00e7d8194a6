from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "ansinh.cards"
    label = "cards"
    verbose_name = "e-BHYT cards"
