"""Run Rasa's prediction graph in a fixed order, without dask.

Rasa 3.6 runs the model's graph (tokenizer, classifiers, policies, ...) through dask for
every message and every predicted action: it rebuilds the dask graph, re-orders it and
schedules ~15 nodes through dask's thread-pool machinery, synchronously. Under load that
bookkeeping was about half of the time spent in graph runs (~12 % of the Rasa process,
docs/benchmarks.md). The graph never changes while the server runs, so this runner works
out each target list's execution order once and then calls the same `GraphNode`s with the
same inputs in that order, passing results exactly as dask does: each node receives its
parents' `(node name, output)` pairs, a run input replaces a node of the same name, and a
name with no node or input is passed as the bare name (which `GraphNode` reports).

Installed by `rasa_ext.install()` at Rasa server start (`python -m rasa_ext run ...`):
Rasa's processor looks its runner class up when it loads a model.
Tests run every test conversation through both runners and compare every result.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

# one step: the node's name and the names of the nodes (or inputs) it needs, in order
Step = Tuple[str, Tuple[str, ...]]


def execution_order(schema: GraphSchema, targets: Sequence[str]) -> List[Step]:
    """The nodes `targets` depend on, each after everything it needs (depth first)."""
    minimal = schema.minimal_graph_schema(list(targets))
    order: List[Step] = []
    done: set = set()
    visiting: set = set()

    def visit(name: str) -> None:
        if name in done or name not in minimal.nodes:
            return
        if name in visiting:
            raise GraphRunError(f"The graph has a cycle through node '{name}'.")
        visiting.add(name)
        needs = tuple(minimal.nodes[name].needs.values())
        for parent in needs:
            visit(parent)
        visiting.discard(name)
        done.add(name)
        order.append((name, needs))

    for node_name in minimal.nodes:
        visit(node_name)
    return order


class SequentialGraphRunner(DaskGraphRunner):
    """DaskGraphRunner's results, computed in an order worked out once per target list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[str, ...], List[Step]] = {}

    def run(self, inputs: Dict[str, Any] | None = None, targets: List[str] | None = None) -> Dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        order = self._orders.get(run_targets)
        if order is None:
            order = self._orders[run_targets] = execution_order(self._graph_schema, run_targets)
        results: Dict[str, Any] = {}
        for input_name, input_value in (inputs or {}).items():
            if isinstance(input_value, str) and any(input_value == name for name, _ in order):
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema."
                )
            results[input_name] = (input_name, input_value)
        try:
            for node_name, needs in order:
                if node_name in results:  # a run input replaces the node, as in dask
                    continue
                node = self._instantiated_nodes[node_name]
                results[node_name] = node(*[results.get(need, need) for need in needs])
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)
