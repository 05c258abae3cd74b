"""The pyoxigraph repository: one named graph per assessment, atomic, durable on disk."""

import pyoxigraph as ox
import pytest

from scalekg.graph.assessment import prepare
from scalekg.graph.assessment.remote_repository import RemoteAssessmentRepository
from scalekg.graph.assessment.repository import (
    FileAssessmentRepository,
    OxigraphAssessmentRepository,
    repository_for,
)
from scalekg.graph.backends.memory import EmbeddedBackend
from scalekg.graph.backends.remote import RemoteBackend
from scalekg.graph.backends.remote_protocol import RemoteSpec
from scalekg.graph.model import KnowledgeGraph
from scalekg.graph.store import load_memory_store, store_selector

from .conftest import tiny_document


@pytest.fixture(params=["oxigraph", "files"])
def any_repo(request, tmp_path):
    """Each store-backed repository; they share one save/get/list/delete."""
    if request.param == "files":
        return FileAssessmentRepository(tmp_path / "assessments")
    return OxigraphAssessmentRepository(ox.Store())


def test_save_get_list_delete(tiny_kg, any_repo):
    repo = any_repo
    a = prepare(tiny_kg, tiny_document())
    stored, created = repo.save(a)
    assert created and stored.created
    again, created_again = repo.save(prepare(tiny_kg, tiny_document()))
    assert not created_again and again.id == a.id
    got = repo.get(a.id)
    assert got.document == a.document and got.created == stored.created
    b = prepare(tiny_kg, tiny_document(organisation="Other Org", date="2026-02-01"))
    repo.save(b)
    assert [s.organisation for s in repo.list()] == ["Other Org", "Tiny Org"]
    assert [s.id for s in repo.list(org="tiny")] == [a.id]
    assert repo.list(org="nobody") == []
    summary = repo.list(org="Tiny Org")[0].as_dict()
    assert summary["stage"] == "late" and summary["headcount"] == 120
    assert repo.delete(a.id) and repo.get(a.id) is None and not repo.delete(a.id)


def test_each_assessment_is_one_named_graph(tiny_kg):
    store = ox.Store()
    repo = OxigraphAssessmentRepository(store)
    a, _ = repo.save(prepare(tiny_kg, tiny_document()))
    graphs = [g.value for g in store.named_graphs()]
    assert graphs == [f"https://w3id.org/scalekg/graph/assessment/{a.id}"]
    assert all(q.graph_name.value == graphs[0] for q in store)


class FailingStore:
    """A store whose bulk write fails, as a full disk would."""

    def __init__(self):
        self.inner = ox.Store()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def extend(self, quads):
        raise OSError("disk full")


def test_a_failed_write_stores_nothing(tiny_kg):
    store = FailingStore()
    repo = OxigraphAssessmentRepository(store)
    with pytest.raises(OSError):
        repo.save(prepare(tiny_kg, tiny_document()))
    assert len(store.inner) == 0 and repo.list() == []


def test_assessments_survive_a_restart_on_disk(tiny_kg, tmp_path):
    path = str(tmp_path / "store")
    store = ox.Store(path)
    a, _ = OxigraphAssessmentRepository(store).save(prepare(tiny_kg, tiny_document()))
    del store
    reopened = OxigraphAssessmentRepository(ox.Store(path))
    assert reopened.get(a.id).document == a.document
    assert [s.id for s in reopened.list()] == [a.id]


def test_assessments_do_not_leak_into_the_knowledge_graph(kg, snapshot):
    store = load_memory_store(snapshot.path)
    doc = {
        "organisation": "Leak Check",
        "date": "2026-01-01",
        "stage": "late",
        "headcount": 90,
        "capabilities": [{"capability": "lean-management", "depth": 2, "width": 2}],
    }
    OxigraphAssessmentRepository(store).save(prepare(kg, doc))
    again = KnowledgeGraph.from_store(store_selector(store), snapshot.hash)
    assert set(again.concepts) == set(kg.concepts)
    assert len(again.edges) == len(kg.edges)


def test_repository_for():
    store = ox.Store()
    assert isinstance(repository_for(store), OxigraphAssessmentRepository)
    # A backend makes its own (no probing of attributes such as .store or .ox_store).
    backend = EmbeddedBackend(store)
    repo = repository_for(backend)
    assert isinstance(repo, OxigraphAssessmentRepository) and repo.store is store
    remote = repository_for(RemoteBackend(RemoteSpec.parse("http://127.0.0.1:9/sparql")))
    assert isinstance(remote, RemoteAssessmentRepository)

    class Wrapper:  # holds a Store but is not a backend
        def __init__(self):
            self.store = store

    for not_a_store in (Wrapper(), object(), None):
        with pytest.raises(TypeError):
            repository_for(not_a_store)
