from django.apps import AppConfig


class ConsequencesConfig(AppConfig):
    name = "consequences"
    verbose_name = "Consequences"
