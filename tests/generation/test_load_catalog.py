from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aimg_site.core.selectors import domain_get
from generation.catalog import LOADERS, catalog_rows
from generation.models import GenerationModel, SamplePrompt


def test_it_loads_the_reference_defaults_with_every_model_field():
    call_command("load_catalog", stdout=StringIO())
    f222 = GenerationModel.objects.get(name="f222")
    model3 = GenerationModel.objects.get(name="model3")
    assert f222.kind == "image" and model3.kind == "video"
    assert f222.default_steps == 20 and f222.default_sampler == "DPM++ 2M Karras"
    assert f222.default_cfg_scale == 7 and f222.workflow_template
    assert 512 in f222.allowed_widths and f222.max_resolution >= 512 * 512
    assert SamplePrompt.objects.count() == len(catalog_rows("sample_prompts.json"))


def test_every_catalog_row_names_only_real_fields():
    from django.apps import apps

    for loader in LOADERS:
        fields = {f.name for f in apps.get_model(loader.model)._meta.get_fields()}
        for row in catalog_rows(loader.filename):
            assert set(row) <= fields, (loader.filename, set(row) - fields)


def test_it_is_idempotent_and_keeps_admin_edits_of_fields_the_files_do_not_name():
    call_command("load_catalog", stdout=StringIO())
    GenerationModel.objects.filter(name="f222").update(is_active=False)
    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert "0 new" in out.getvalue()
    assert GenerationModel.objects.filter(name="f222").count() == 1
    assert GenerationModel.objects.get(name="f222").is_active is False


def test_it_loads_one_domain_when_named_and_every_domain_by_default():
    call_command("load_catalog", "--domain", "sexy.ai", stdout=StringIO())
    assert not GenerationModel.objects.exists()  # the bound domain is freejourney.ai
    assert GenerationModel.objects.for_domain(domain_get("sexy.ai")).filter(name="f222").exists()
    call_command("load_catalog", stdout=StringIO())  # as production runs it after migrate
    assert GenerationModel.objects.filter(name="model3").exists()
    for name in ("freejourney.ai", "sexy.ai"):
        assert GenerationModel.objects.for_domain(domain_get(name)).filter(name="f222").exists()


def test_a_domain_and_all_domains_together_are_refused():
    with pytest.raises(CommandError, match="not both"):
        call_command("load_catalog", "--domain", "sexy.ai", "--all-domains", stdout=StringIO())
