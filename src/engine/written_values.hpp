// Which values a value hook (value_hook.hpp) can be armed for, and when the executor reports each: the
// values graph nodes write, found in the built network, each with the layer count after which it is complete.
//
// The firing point is the end of the node that defines the value, whatever layers that takes. Why it holds
// for every kind of value (each is complete there, and no layer has read it yet):
// - a value a layer writes (a Conv, its fused activation, a border fill after it): its node's layers all ran;
//   its readers are later nodes, whose layers (reorders made for them included) run after.
// - a view sharing its source's buffer (Reshape, Flatten, Squeeze): its node has no layer, so it fires after
//   the layers that wrote its source, at the same point or later than the source, before its own readers.
// - a part of a concatenation built in place: its producer writes straight into the concatenation's buffer;
//   it fires at the end of its producer, as any value does, before the Concat's readers and its own.
// - the concatenation built in place: its node has no layer; it fires at the end of that node, so after the
//   last part's producer (every part is defined earlier) and before any reader of the whole.
// - a value written in place over another (a residual sum over its addend, a BatchNorm over its input): the
//   overwritten value fired at the end of its own node, before the in-place layer (which is its last reader);
//   the new value fires at the end of the node writing it.
// - a pool an earlier Conv builds along with its own layers (an absorbed node): that Conv's node defines it.
// Not listed: the graph input and its views (the caller's images), constants and their views, values a
// fusion never materialises (a Conv's output under a fused Relu), the engine's own copies (reorders into
// another layout), integer values (token ids), and values without a leading batch dim (a view's images are
// that dim).
#pragma once

#include <vector>

#include "engine/network.hpp"
#include "engine/value_hook.hpp"
#include "model/graph.hpp"

namespace flipguard::engine {

struct WrittenSite {
  WrittenValue value;
  int id = -1;    // the value id (Network::values, Network::memories)
  int ready = 0;  // layers [0, ready) complete the value; layer `ready` (if any) is the first after it
};

// The sites of `net`, built from `built` (the graph as the network builder got it, fused), in run order.
// `onnx_nodes` are the nodes of Executor::graph(): a site names the one producing its value there.
std::vector<WrittenSite> find_written_values(const Network& net, const model::Graph& built,
                                             const std::vector<model::Node>& onnx_nodes, int batch);

}  // namespace flipguard::engine
