"""Measure how the right fiche is found on the held-out sets: NLU alone, search alone, both.

For every held-out message whose expected intent is answered by a fiche, and whose topic the NLU
got right, it compares the fiche chosen by: the NLU's intent alone; the BM25 fiche search alone
(bot.fiche_search); spaCy's word vectors (fr_core_news_md, already in the pipeline) as an
embedding baseline; and the assistant's rule (bot.fiche_search.resolve) for several thresholds.
Prints a table; writes reports/nlu/fiche_choice.md.

Usage: python -m triage.evaluation.fiche_choice [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import fiche_search
from bot.knowledge import KnowledgeBase, get_knowledge_base
from bot.routing import topic_of
from triage import ROOT
from triage.evaluation.nlu import runner as eval_nlu

HELDOUT = (ROOT / "tests" / "nlu" / "heldout.yml", ROOT / "tests" / "nlu" / "heldout_fiches.yml")
GRID = (
    (1.01, 0.0, 1.5),
    (0.8, 0.5, 1.5),
    (0.8, 0.3, 1.5),
    (0.8, 0.5, 1.3),
    (0.8, 0.4, 1.4),
    (0.7, 0.5, 1.5),
    (0.9, 0.6, 1.5),
)


@dataclass(frozen=True)
class Case:
    text: str
    gold: str  # fiche id
    topic: str
    intent: str  # the NLU's intent (after the fallback classifier)
    ranking: tuple[tuple[str, float], ...]


def cases(agent: Any, kb: KnowledgeBase, paths: Sequence[Path] = HELDOUT) -> list[Case]:
    examples = [ex for path in paths for ex in eval_nlu.load_examples(path)]
    wanted = [
        (text, fiche)
        for text, intent in examples
        if (fiche := kb.for_intent(intent)) is not None and not fiche.handoff
    ]
    parsed = asyncio.run(eval_nlu._parse_all(agent, [text for text, _ in wanted]))
    result = []
    for (text, fiche), parse in zip(wanted, parsed, strict=True):
        intent = (parse.get("intent") or {}).get("name") or ""
        ranking = tuple(
            (str(r["name"]), float(r.get("confidence") or 0.0))
            for r in parse.get("intent_ranking") or []
            if r.get("name") != "nlu_fallback"
        )
        result.append(Case(text, fiche.id, fiche.topic, intent, ranking))
    return result


def nlu_fiche(kb: KnowledgeBase, case: Case) -> str:
    fiche = kb.for_intent(case.intent)
    return fiche.id if fiche else ""


def bm25_fiche(index: Any, case: Case) -> str:
    hits = index.search(case.text, case.topic, 1)
    return hits[0].fiche.id if hits else ""


def rule_outcome(kb: KnowledgeBase, index: Any, case: Case) -> str:
    """right / choice (the right fiche among the buttons) / wrong."""
    decision = fiche_search.resolve(case.text, case.intent, case.ranking, kb, index)
    if decision.answer is not None:
        return "right" if decision.answer.id == case.gold else "wrong"
    if any(f.id == case.gold for f in decision.choices):
        return "choice"
    return "wrong"


def spacy_ranker(kb: KnowledgeBase) -> Any:
    import spacy

    nlp = spacy.load("fr_core_news_md")
    vectors = {f.id: [nlp(q) for q in (f.title, *f.questions)] for f in kb.fiches}

    def best(text: str, topic: str) -> str:
        doc = nlp(text)
        scores = [
            (max(doc.similarity(q) for q in vectors[f.id]), f.id)
            for f in kb.by_topic(topic)
            if not f.handoff
        ]
        return max(scores)[1] if scores else ""

    return best


def share(count: int, total: int) -> str:
    return f"{count / total:.3f}" if total else "-"


def report(kb: KnowledgeBase, all_cases: Sequence[Case]) -> list[str]:
    index = fiche_search.get_fiche_index()
    # Only the messages whose topic the NLU got right: the search never crosses topics.
    on_topic = [c for c in all_cases if topic_of(c.intent) == c.topic and kb.for_intent(c.intent)]
    n = len(on_topic)
    nlu_right = sum(nlu_fiche(kb, c) == c.gold for c in on_topic)
    bm25_right = sum(bm25_fiche(index, c) == c.gold for c in on_topic)
    best = spacy_ranker(kb)
    spacy_right = sum(best(c.text, c.topic) == c.gold for c in on_topic)
    lines = [
        "# Finding the fiche (held-out messages whose topic the NLU got right)",
        "",
        f"messages: {n} (of {len(all_cases)} with an answer fiche)",
        "",
        "| method | right fiche |",
        "| --- | --- |",
        f"| NLU intent alone | {share(nlu_right, n)} |",
        f"| BM25 search alone (stems + char 4-grams) | {share(bm25_right, n)} |",
        f"| spaCy word vectors alone (fr_core_news_md) | {share(spacy_right, n)} |",
        "",
        "| rule: SURE / ANSWER_ANYWAY / CLEAR_RATIO | right answer | right among buttons | wrong |",
        "| --- | --- | --- | --- |",
    ]
    saved = fiche_search.SURE, fiche_search.ANSWER_ANYWAY, fiche_search.CLEAR_RATIO
    for setting in (*GRID, saved):
        fiche_search.SURE, fiche_search.ANSWER_ANYWAY, fiche_search.CLEAR_RATIO = setting
        outcomes = [rule_outcome(kb, index, c) for c in on_topic]
        label = " / ".join(map(str, setting)) + (" (shipped)" if setting == saved else "")
        lines.append(
            f"| {label} | {share(outcomes.count('right'), n)} | "
            f"{share(outcomes.count('choice'), n)} | {share(outcomes.count('wrong'), n)} |"
        )
    fiche_search.SURE, fiche_search.ANSWER_ANYWAY, fiche_search.CLEAR_RATIO = saved
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model archive (default: latest in models/)")
    parser.add_argument("--data", nargs="*", help="held-out NLU files (default: both sets)")
    args = parser.parse_args(argv)
    from rasa.model import get_latest_model

    model = Path(args.model or get_latest_model(str(ROOT / "models")))
    eval_nlu.quiet_rasa()
    agent = eval_nlu.load_agent(model)
    kb = get_knowledge_base()
    paths = [Path(p) for p in args.data] if args.data else HELDOUT
    lines = report(kb, cases(agent, kb, paths))
    out = ROOT / "reports" / "nlu" / "fiche_choice.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
