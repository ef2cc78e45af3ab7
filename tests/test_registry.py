"""The registry: `list_models`, `get_spec`, `get_model` and `ModelSpec`."""

import fnmatch

import keras
import pytest

import rnn_zoo
from rnn_zoo import get_model, get_spec, list_models
from rnn_zoo.registry import _REGISTRY

TOPOLOGIES = ("one_to_one", "one_to_many", "many_to_one", "many_to_many", "encoder_decoder")


def test_list_models_all_sorted_and_unique():
    names = list_models()
    assert names == sorted(set(names)) == sorted(_REGISTRY)
    assert list_models("*") == names
    assert len(names) >= 5


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_every_topology_has_variants(topology):
    found = list_models(f"{topology}_*")
    assert found, topology
    assert all(name.startswith(f"{topology}_") for name in found)
    assert {get_spec(name).topology for name in found} == {topology}


@pytest.mark.parametrize(
    "pattern",
    ["many_to_one_*", "*_lstm", "*gru*", "one_to_?ne_*", "encoder_decoder_[bg]*", "*attention"],
)
def test_list_models_pattern(pattern):
    found = list_models(pattern)
    assert found, pattern
    assert found == sorted(n for n in list_models() if fnmatch.fnmatchcase(n, pattern))
    assert set(list_models()) - set(found), "the pattern should filter something out"


def test_list_models_no_match_and_case_sensitive():
    assert list_models("transformer_*") == []
    assert list_models("MANY_TO_ONE_*") == []


def test_list_models_rejects_non_str():
    with pytest.raises(TypeError, match="pattern"):
        list_models(["many_to_one_*"])


@pytest.mark.parametrize("name", list_models())
def test_spec_is_well_formed(name):
    spec = get_spec(name)
    assert isinstance(spec, rnn_zoo.ModelSpec)
    assert spec.name == name
    assert spec.topology in TOPOLOGIES and name.startswith(spec.topology)
    assert spec.description.strip()
    assert callable(spec.builder)


def test_get_model_applies_overrides():
    model = get_model("many_to_one_lstm", vocab_size=50, num_classes=2, units=8, embedding_dim=5)
    assert isinstance(model, keras.Model)
    assert model.name == "many_to_one_lstm"
    assert model.output_shape == (None, 2)
    assert model.get_layer("embedding").input_dim == 50
    assert model.get_layer("embedding").output_dim == 5
    assert model.get_layer("rnn_0").units == 8
    # The registered defaults are untouched by the overrides.
    assert get_spec("many_to_one_lstm").defaults["units"] == 64
    assert get_model("many_to_one_lstm", units=4).get_layer("rnn_0").units == 4


def test_get_model_name_override():
    model = get_model("one_to_one_gru", units=2, name="my_model")
    assert model.name == "my_model"


def test_get_model_equals_spec_build():
    a = get_model("one_to_one_lstm", units=3)
    b = get_spec("one_to_one_lstm").build(units=3)
    assert [layer.name for layer in a.layers] == [layer.name for layer in b.layers]
    assert [w.shape for w in a.weights] == [w.shape for w in b.weights]


def test_captioner_overrides_reach_the_encoder():
    model = get_model(
        "one_to_many_gru_cnn", image_shape=(4, 6, 1), filters=(3,), units=4, num_classes=5
    )
    assert model.input_shape == (None, 4, 6, 1)
    assert model.output_shape == (None, 3, 5)
    assert model.get_layer("conv_encoder").get_layer("conv_0").filters == 3


def test_unknown_name_lists_closest_matches():
    with pytest.raises(ValueError) as info:
        get_model("many_to_one_lstn")
    message = str(info.value)
    assert "'many_to_one_lstn'" in message
    assert "Did you mean" in message and "'many_to_one_lstm'" in message
    assert "list_models" in message


def test_unknown_name_without_close_match():
    with pytest.raises(ValueError, match="'xyz'") as info:
        get_spec("xyz")
    assert "Did you mean" not in str(info.value)


def test_name_must_be_str():
    with pytest.raises(TypeError, match="name"):
        get_model(3)


@pytest.mark.parametrize(
    ("name", "argument"),
    [
        ("many_to_one_lstm", "colour"),
        ("one_to_one_gru", "bidirectional"),  # one_to_one has no bidirectional option
        ("one_to_many_gru_cnn", "vocab_size"),  # the captioner's input is its image
        ("one_to_many_gru_cnn", "encoder"),
    ],
)
def test_unknown_override_raises_type_error_naming_it(name, argument):
    with pytest.raises(TypeError) as info:
        get_model(name, **{argument: 1})
    assert argument in str(info.value)
    assert name in str(info.value)
