"""Factories shared across the test suite: users with a role."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

DEFAULT_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `UserFactory(role="viewer")` also puts it in that role's group.

    The clear-text password stays on the instance as `raw_password` so tests can log in.
    """

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.raw_password = extracted or DEFAULT_PASSWORD
        self.set_password(self.raw_password)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted and create:
            self.groups.add(Group.objects.get(name=extracted))
