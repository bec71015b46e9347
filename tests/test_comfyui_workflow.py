"""ComfyUI backend without a server: options, workflows, injection, identity, sizes, checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from facebuild.backends import create_backend
from facebuild.backends.base import RenderRequest
from facebuild.backends.comfyui import ComfyUIBackend
from facebuild.backends.comfyui.objectinfo import validate_graph
from facebuild.backends.comfyui.workflow import shipped_workflows
from facebuild.errors import CastError

REQUEST = RenderRequest("a lemon smuggler", "blurry", 1234, 1024, 1024, label="tessa/bust")


def backend(tmp_path: Path, **options: Any) -> ComfyUIBackend:
    made = create_backend("comfyui", options, tmp_path)
    assert isinstance(made, ComfyUIBackend)
    return made


def injected(b: ComfyUIBackend, request: RenderRequest, prefix: str = "P") -> dict[str, Any]:
    return b._graph(b._prepared(request), request, prefix)


def test_shipped_workflows_are_api_format_sdxl() -> None:
    shipped = shipped_workflows()
    assert {"sdxl_portrait.json", "sdxl_backdrop.json"} <= set(shipped)
    for name, size in (("sdxl_portrait.json", (1024, 1024)), ("sdxl_backdrop.json", (1368, 768))):
        graph = json.loads(shipped[name].read_text())
        classes = sorted(node["class_type"] for node in graph.values())
        assert classes == sorted(
            [
                "KSampler",
                "CheckpointLoaderSimple",
                "EmptyLatentImage",
                "CLIPTextEncode",
                "CLIPTextEncode",
                "VAEDecode",
                "SaveImage",
            ]
        )
        assert graph["4"]["inputs"]["ckpt_name"] == "sd_xl_base_1.0.safetensors"
        assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == size


def test_portrait_injection_found_from_the_graph(tmp_path: Path) -> None:
    b = backend(tmp_path)
    graph = injected(b, REQUEST, "facebuild/abc")
    assert graph["6"]["inputs"] == {"text": "a lemon smuggler", "clip": ["4", 1]}
    assert graph["7"]["inputs"] == {"text": "blurry", "clip": ["4", 1]}
    assert graph["3"]["inputs"]["seed"] == 1234
    assert graph["5"]["inputs"] == {"width": 1024, "height": 1024, "batch_size": 1}
    assert graph["9"]["inputs"]["filename_prefix"] == "facebuild/abc"
    shipped = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    assert graph["3"]["inputs"]["steps"] == shipped["3"]["inputs"]["steps"]
    assert b._prepared(REQUEST).workflow.graph == shipped  # the loaded graph is untouched


def test_backdrop_is_a_per_variant_override(tmp_path: Path) -> None:
    b = backend(tmp_path)
    wide = RenderRequest(
        "a moon refinery", "people", 7, 1368, 768, options={"workflow": "sdxl_backdrop.json"}
    )
    graph = injected(b, wide)
    assert graph["5"]["inputs"]["width"] == 1368 and graph["5"]["inputs"]["height"] == 768
    assert graph["6"]["inputs"]["text"] == "a moon refinery"
    assert graph["3"]["inputs"]["seed"] == 7
    assert b.check(wide) == []
    portrait = RenderRequest("a moon refinery", "people", 7, 1368, 768)
    # after injection the two shipped graphs are the same graph: one render serves both
    assert b.identity(wide) == b.identity(portrait)
    assert b.identity(wide) != b.identity(RenderRequest("a moon refinery", "people", 7, 1024, 768))


def test_explicit_inputs_mapping_for_any_workflow(tmp_path: Path) -> None:
    graph = {
        "10": {
            "class_type": "KSamplerAdvanced",
            "inputs": {
                "add_noise": "enable",
                "noise_seed": 1,
                "steps": 20,
                "cfg": 7.0,
                "sampler_name": "euler",
                "scheduler": "normal",
                "model": ["20", 0],
                "positive": ["31", 0],
                "negative": ["31", 0],
                "latent_image": ["40", 0],
                "start_at_step": 0,
                "end_at_step": 20,
                "return_with_leftover_noise": "disable",
            },
        },
        "20": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "x.safetensors"}},
        "30": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["20", 1]}},
        "31": {
            "class_type": "ConditioningCombine",
            "inputs": {"conditioning_1": ["30", 0], "conditioning_2": ["30", 0]},
        },
        "40": {"class_type": "EmptyLatentImage", "inputs": {"width": 8, "height": 8, "batch_size": 1}},
        "50": {"class_type": "VAEDecode", "inputs": {"samples": ["10", 0], "vae": ["20", 2]}},
        "60": {"class_type": "SaveImage", "inputs": {"images": ["50", 0], "filename_prefix": "a"}},
        "61": {"class_type": "SaveImage", "inputs": {"images": ["50", 0], "filename_prefix": "b"}},
    }
    (tmp_path / "mine.json").write_text(json.dumps(graph))
    with pytest.raises(CastError) as caught:
        backend(tmp_path, workflow="mine.json")
    message = str(caught.value)
    assert message.startswith("backend.inputs: workflow mine.json: could not find")
    assert "the negative prompt text (no CLIPTextEncode of its own upstream" in message
    assert "the output node (found 2 SaveImage nodes: 60, 61)" in message
    # the hint names this graph's own nodes, and null where it has no such input
    assert ("inputs: {prompt: '30.text', negative: null, seed: '10.noise_seed', width: '40.width', "
            "height: '40.height', output: '60'} (a key left out or null is not injected)") in message
    inputs = {
        "prompt": "30.text",
        "negative": None,
        "seed": "10.noise_seed",
        "width": "40.width",
        "height": "40.height",
        "output": 61,
    }
    b = backend(tmp_path, workflow="mine.json", inputs=inputs)
    out = injected(b, REQUEST, "facebuild/x")
    assert out["30"]["inputs"]["text"] == "a lemon smuggler"
    assert out["10"]["inputs"]["noise_seed"] == 1234
    assert (out["40"]["inputs"]["width"], out["40"]["inputs"]["height"]) == (1024, 1024)
    assert out["61"]["inputs"]["filename_prefix"] == "facebuild/x"
    assert out["60"]["inputs"]["filename_prefix"] == "a"


@pytest.mark.parametrize(
    ("options", "key", "words"),
    [
        ({"bach_size": 3}, "backend.bach_size", "did you mean 'batch_size'?"),
        ({"url": "127.0.0.1:8188"}, "backend.url", "http://"),
        ({"url": []}, "backend.url", "list"),
        ({"batch_size": 0}, "backend.batch_size", "at least 1"),
        ({"timeout": "long"}, "backend.timeout", "number"),
        ({"workflow": "nope.json"}, "backend.workflow", "'nope.json' not found"),
        ({"inputs": {"promt": "6.text"}}, "backend.inputs", "did you mean 'prompt'?"),
        ({"inputs": {"seed": "3"}}, "backend.inputs", "'<node id>.<input name>'"),
        ({"inputs": {"prompt": "66.text"}}, "backend.inputs", "no node '66'"),
        ({"inputs": {"prompt": "6.txt"}}, "backend.inputs", "node 6 has inputs: text, clip"),
    ],
)
def test_option_mistakes_are_cast_errors(
    tmp_path: Path, options: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(CastError) as caught:
        backend(tmp_path, **options)
    assert caught.value.key == key
    assert words in str(caught.value)


def test_workflow_not_in_api_format_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "ui.json").write_text(json.dumps({"nodes": [], "links": [], "version": 0.4}))
    (tmp_path / "bad.json").write_text("{not json")
    for name, words in (("ui.json", "UI format"), ("bad.json", "not valid JSON")):
        with pytest.raises(CastError) as caught:
            backend(tmp_path, workflow=name)
        assert name in str(caught.value) and words in str(caught.value)
    b = backend(tmp_path)
    problems = b.check(RenderRequest("p", "n", 1, 64, 64, options={"workflow": "ui.json", "strength": 1}))
    assert "unknown comfyui option 'strength'" in problems[0]
    assert "ui.json" in problems[1] and "UI format" in problems[1]


def test_identity_is_the_injected_digest_without_url_or_prefix(tmp_path: Path) -> None:
    one = backend(tmp_path, url="http://gpu-1:8188")
    pool = backend(tmp_path, url=["http://gpu-2:8188", "http://gpu-3:8188"], batch_size=4)
    assert one.identity(REQUEST) == pool.identity(REQUEST) == one.identity(REQUEST)
    assert set(one.identity(REQUEST)) == {"workflow_sha256", "inputs"}
    assert one.identity(REQUEST)["inputs"] == {"prompt": "6.text", "negative": "7.text", "seed": "3.seed",
                                               "width": "5.width", "height": "5.height", "output": "9"}
    assert "gpu" not in json.dumps(one.identity(REQUEST))
    other_seed = RenderRequest("a lemon smuggler", "blurry", 1235, 1024, 1024)
    assert one.identity(other_seed) != one.identity(REQUEST)
    edited = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    edited["3"]["inputs"]["sampler_name"] = "euler"
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    assert backend(tmp_path, workflow="edited.json").identity(REQUEST) != one.identity(REQUEST)
    assert pool.capabilities().max_concurrency == 8
    caps = one.capabilities()
    assert (caps.price_per_image, caps.paid, caps.seed_max) == (0, False, 2**64 - 1)
    assert (caps.min_side, caps.max_side, caps.model) == (16, 16384, "sd_xl_base_1.0.safetensors")


@pytest.mark.parametrize(
    ("size", "render"),
    [
        ((1024, 1024), (1024, 1024)),
        ((64, 64), (1024, 1024)),
        ((256, 256), (1024, 1024)),
        ((512, 768), (832, 1280)),
        ((1368, 768), (1368, 768)),
        ((1366, 768), (1408, 768)),
        ((2048, 2048), (2048, 2048)),
        ((1500, 300), (2304, 448)),
    ],
)
def test_render_size_is_about_a_megapixel(
    tmp_path: Path, size: tuple[int, int], render: tuple[int, int]
) -> None:
    width, height = backend(tmp_path).render_size(*size)
    assert (width, height) == render
    assert width >= size[0] and height >= size[1]


def test_object_info_validation_reads_both_combo_shapes() -> None:
    graph = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    ksampler = {
        "input": {
            "required": {
                "seed": ["INT", {"min": 0, "max": 2**64 - 1}],
                "steps": ["INT", {"min": 1, "max": 99}],
                "sampler_name": ["COMBO", {"options": ["euler"]}],
                "scheduler": [["normal", "karras"], {}],
            }
        }
    }
    info = {
        "KSampler": ksampler,
        "CheckpointLoaderSimple": {"input": {"required": {"ckpt_name": [["a.safetensors"], {}]}}},
        "EmptyLatentImage": {"input": {"required": {"width": ["INT", {"min": 16}]}}},
        "CLIPTextEncode": {"input": {"required": {"text": ["STRING", {}], "clip": ["CLIP"]}}},
        "SaveImage": {"input": {"required": {"images": ["IMAGE"], "filename_prefix": ["STRING"]}}},
    }
    problems = validate_graph(graph, info, "http://gpu:8188")
    assert problems == [
        "node 3 (KSampler): sampler_name 'dpmpp_2m' is not one of: euler",
        "node 4 (CheckpointLoaderSimple): checkpoint sd_xl_base_1.0.safetensors is not "
        "installed on http://gpu:8188; installed: a.safetensors",
        "node 8: node type VAEDecode does not exist on http://gpu:8188 (a custom node that is "
        "not installed?)",
    ]
    graph["3"]["inputs"].update(steps=0, sampler_name="euler")
    del graph["9"]["inputs"]["images"]
    problems = validate_graph(graph, info, "http://gpu:8188")
    assert "node 3 (KSampler): steps 0 is smaller than the minimum 1" in problems
    assert "node 9 (SaveImage): required input 'images' is missing" in problems


MODEL_FREE = {
    "10": {"class_type": "PrimitiveString", "inputs": {"value": "a lighthouse at dusk"}},
    "11": {"class_type": "StringLength", "inputs": {"string": ["10", 0]}},
    "1": {"class_type": "EmptyImage", "inputs": {"width": 128, "height": 128, "batch_size": 1, "color": 0}},
    "2": {"class_type": "ImageAddNoise", "inputs": {"image": ["1", 0], "seed": ["11", 0], "strength": 0.3}},
    "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "txt"}},
    "4": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "plain"}},
}


def test_a_key_left_out_of_inputs_is_not_injected(tmp_path: Path) -> None:
    (tmp_path / "free.json").write_text(json.dumps(MODEL_FREE))
    b = backend(tmp_path, workflow="free.json", inputs={"prompt": "10.value", "output": "3"})
    out = injected(b, REQUEST)
    assert out["10"]["inputs"]["value"] == "a lemon smuggler"
    assert out["1"]["inputs"]["width"] == 128 and out["2"]["inputs"]["seed"] == ["11", 0]
    assert out["3"]["inputs"]["filename_prefix"] == "P" and out["4"]["inputs"]["filename_prefix"] == "plain"
    # null still means the same
    same = backend(tmp_path, workflow="free.json",
                   inputs={"prompt": "10.value", "negative": None, "seed": None, "output": 3})
    assert injected(same, REQUEST) == out


def test_inputs_mistakes_name_the_graphs_own_nodes(tmp_path: Path) -> None:
    (tmp_path / "free.json").write_text(json.dumps(MODEL_FREE))
    with pytest.raises(CastError) as caught:
        backend(tmp_path, workflow="free.json", inputs={"prompt": "10.value", "width": "1.width"})
    message = str(caught.value)
    assert "output is not named and the workflow has 2 SaveImage nodes (3, 4): name one" in message
    assert "width and height go together" in message
    assert ("e.g. inputs: {prompt: '10.value', negative: null, seed: null, width: '1.width', "
            "height: '1.height', output: '3'}") in message
    with pytest.raises(CastError) as caught:
        backend(tmp_path, workflow="free.json", inputs={"output": "3"})
    assert "prompt is not named" in str(caught.value) and "prompt: '10.value'" in str(caught.value)
    assert "7.text" not in str(caught.value)


def test_the_workflows_own_negative_text_is_kept_or_joined(tmp_path: Path) -> None:
    graph = json.loads(shipped_workflows()["sdxl_portrait.json"].read_text())
    graph["7"]["inputs"]["text"] = "embedding:bad_hands, lowres"
    (tmp_path / "own.json").write_text(json.dumps(graph))
    b = backend(tmp_path, workflow="own.json")
    alone = RenderRequest("a lemon smuggler", "", 1, 1024, 1024)
    assert injected(b, alone)["7"]["inputs"]["text"] == "embedding:bad_hands, lowres"
    assert injected(b, REQUEST)["7"]["inputs"]["text"] == "embedding:bad_hands, lowres, blurry"
    # the shipped workflows hold no negative text of their own: the cast's alone
    assert injected(backend(tmp_path), REQUEST)["7"]["inputs"]["text"] == "blurry"
