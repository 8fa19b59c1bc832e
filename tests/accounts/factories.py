import factory

from accounts.models import Freelancer, Language, Skill, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Faker("name")
    password = factory.django.Password("pass-1234")
    role = User.Role.NONE

    class Params:
        manager = factory.Trait(role=User.Role.MANAGER)
        agent = factory.Trait(role=User.Role.AGENT)


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        skip_postgeneration_save = True
        django_get_or_create = ["code"]

    code = "en"
    name = factory.LazyAttribute(
        lambda o: {"en": "English", "es": "Spanish", "de": "German"}.get(o.code, o.code)
    )


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        skip_postgeneration_save = True
        django_get_or_create = ["slug", "program"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    program = None  # shared by every program; a program's own skill passes program=
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class FreelancerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Freelancer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=User.Role.FREELANCER)
    legal_name = factory.LazyAttribute(lambda o: o.user.display_name or "Alex Doe")
    time_zone = "UTC"
    country = "PL"
    status = Freelancer.Status.ACTIVE
    payout_currency = "USD"

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            self.languages.set(extracted if extracted is not None else [LanguageFactory(code="en")])

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)
