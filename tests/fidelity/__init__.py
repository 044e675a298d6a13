"""Differential fidelity harness: generated KCL schemas against independent oracles.

For one CRD file this module generates KCL modules with the tool, builds instances of every
resource version (the real manifests of that kind, instances synthesised from the CRD
schema, and mutations of them), and compares the verdict of the real KCL compiler
(`v: pkg.Kind = data` in a program) with two oracles:

- Structure (every OpenAPI constraint): the `jsonschema` library (Draft 4) on a schema
  converted from the CRD by `to_jsonschema`, after `apiserver_normalize` has done to the
  instance what the API server does before validating. The Kubernetes semantics this
  models, and the cases it does not, are listed in `to_jsonschema`'s docstring.
- CEL (`x-kubernetes-validations`): the `common-expression-language` runtime evaluates
  every rule with `self` bound to the value at the rule's place, typed the way the API
  server types it (`cel_value`). Rules that call functions the runtime lacks (the
  Kubernetes quantity/url/ip/cidr/format/regex/list libraries) are excluded and listed;
  the Kubernetes string functions KCL translates (`substring`, `split`, `lowerAscii`,
  `upperAscii`) are supplied as shims with cel-go's semantics, and counted apart.

So that each comparison isolates one question, three modules are generated per file from
rewritten copies of the CRDs: `structural` (every CEL rule removed: compared with
jsonschema), `cel` (only the rules the runtime can evaluate: compared with jsonschema AND
the CEL runtime on structurally valid instances), and `full` (the CRD as is: what users
get, checked on the real manifests).

KCL stops at the first failed check, so instances are batched into one program with a
`print` marker before each; the markers in `log_message` tell which instance failed, the
ones before it passed, and the batch resumes after it. Every program imports a trimmed
copy of the generated module that keeps only the schemas the resource's kind reaches
(compilation time grows with the package size, not with the instances).

Everything is deterministic: random choices come from `random.Random` seeded with the
resource's name and the caller's seed.

Modules: `loading` (CRDs and manifests), `structural` (the jsonschema oracle), `cel_oracle`
(the CEL runtime oracle), `instances` (synthesised instances and mutations), `kcl_runner`
(generated modules and KCL verdicts), `measure` (one file, the corpus), `tables` (reporting)
and `cel_fixtures` (the hand-written CEL cases).
"""

from .cel_fixtures import FixtureOutcome, check_cel_fixture
from .cel_oracle import CelOracle, rule_sites
from .kcl_runner import KclRunner, generate, kcl_string
from .loading import crd_resources
from .measure import TEST_BUDGET, Budget, Disagreement, FileResult, measure_corpus
from .structural import StructuralOracle, object_meta_schema
from .tables import cel_summary, class_table, table

__all__ = [
    "TEST_BUDGET",
    "Budget",
    "CelOracle",
    "Disagreement",
    "FileResult",
    "FixtureOutcome",
    "KclRunner",
    "StructuralOracle",
    "cel_summary",
    "check_cel_fixture",
    "class_table",
    "crd_resources",
    "generate",
    "kcl_string",
    "measure_corpus",
    "object_meta_schema",
    "rule_sites",
    "table",
]
