# A data migration: the superuser is created from environment variables (.env), so that the
# credentials are neither typed in nor kept in the repository.
import os

from django.db import migrations


def create_superuser(apps, schema_editor):
    User = apps.get_model('auth', 'User')
    User.objects.create_superuser(
        username=os.environ['DJANGO_SU_NAME'],
        email=os.environ['DJANGO_SU_EMAIL'],
        password=os.environ['DJANGO_SU_PASSWORD'],
    )


def delete_superuser(apps, schema_editor):
    User = apps.get_model('auth', 'User')
    User.objects.filter(username=os.environ['DJANGO_SU_NAME']).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0009_alter_user_last_name_max_length'),
    ]

    operations = [
        migrations.RunPython(create_superuser, delete_superuser),
    ]
