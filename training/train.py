"""Contrastive fine-tuning of e5-small's top layers on question -> sentence and question -> passage.

- **Frozen prefix.** The word embeddings and the bottom `frozen_layers` layers stay as shipped; their
  output for every training text is computed once (`PrefixCache`), so each step runs only the
  top layers forward and backward.
- **What moves.** In the top layers, the 4-bit codes stay as stored; their per-block scales, the
  biases and the LayerNorms train (`training.quantized`), so the file holds the result exactly.
- **Loss.** InfoNCE (sentence-transformers' MultipleNegativesRankingLoss): each query against
  its positive, the other positives of its batch and one mined hard negative per query, scaled by
  `scale` (1 / temperature). A batch holds one source and one task; a document of the batch that is
  the query's own positive text again, or one known to answer it too (`Example.also_right`: a PIAF
  sentence holding the same answer), is masked rather than counted as a negative. Other answering
  texts are kept out of the mined negatives (`training.mining`), not out of the batch.
- **Evaluator.** `training.evaluation.DevEvaluator` after every epoch (PIAF dev articles and the
  project's dev questions); the epoch with the best dev score is kept.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from transformers.masking_utils import create_bidirectional_mask

from rapporteur.parameters import TRAINING, TrainingParams
from training.base_model import E5Encoder, mean_pool
from training.data import Example
from training.quantized import make_block_scaled

log = logging.getLogger(__name__)
Kind = str  # "query" or "passage"


def max_tokens(params: TrainingParams, kind: Kind, task: str) -> int:
    if kind == "query":
        return params.max_query_tokens
    return params.max_sentence_tokens if task == "sentence" else params.max_passage_tokens


class PrefixCache:
    """Hidden states after the frozen layers, per (kind, text, max tokens), kept as float16."""

    def __init__(self, encoder: E5Encoder, frozen_layers: int, batch_size: int = 64) -> None:
        self.encoder = encoder
        self.frozen_layers = frozen_layers
        self.batch_size = batch_size
        self.states: dict[tuple[Kind, str, int], torch.Tensor] = {}

    def add(self, items: Sequence[tuple[Kind, str, int]], progress: bool = True) -> None:
        """Compute the states of (kind, text, max tokens) items not cached yet."""
        todo = [item for item in dict.fromkeys(items) if item not in self.states]
        tokenizer = self.encoder.tokenizer
        encoded = [((k, t, m), tokenizer.encode([t], k, m)[0]) for k, t, m in todo]
        encoded.sort(key=lambda item: len(item[1]))
        model = self.encoder.model
        bar = tqdm(total=len(encoded), desc="frozen layers", disable=not progress, unit="text")
        with torch.inference_mode():
            for i in range(0, len(encoded), self.batch_size):
                batch = encoded[i : i + self.batch_size]
                input_ids, mask = tokenizer.batch([ids for _, ids in batch])
                hidden = model.embeddings(input_ids=input_ids)
                attention = create_bidirectional_mask(config=model.config, inputs_embeds=hidden, attention_mask=mask)
                for layer in model.encoder.layer[: self.frozen_layers]:
                    hidden = layer(hidden, attention_mask=attention)
                for row, (key, ids) in enumerate(batch):
                    self.states[key] = hidden[row, : len(ids)].to(torch.float16).clone()
                bar.update(len(batch))
        bar.close()


class TopLayers(torch.nn.Module):
    """The trainable layers of the encoder, run over cached prefix states, then mean pooling."""

    def __init__(self, encoder: E5Encoder, frozen_layers: int) -> None:
        super().__init__()
        self.config = encoder.model.config
        self.layers = torch.nn.ModuleList(encoder.model.encoder.layer[frozen_layers:])

    def forward(self, states: Sequence[torch.Tensor]) -> torch.Tensor:
        width = max(len(s) for s in states)
        hidden = torch.zeros(len(states), width, states[0].shape[-1])
        mask = torch.zeros(len(states), width, dtype=torch.long)
        for row, s in enumerate(states):
            hidden[row, : len(s)] = s.float()
            mask[row, : len(s)] = 1
        attention = create_bidirectional_mask(config=self.config, inputs_embeds=hidden, attention_mask=mask)
        for layer in self.layers:
            hidden = layer(hidden, attention_mask=attention)
        return mean_pool(hidden, mask)


def info_nce(queries: torch.Tensor, documents: torch.Tensor, blocked: torch.Tensor, scale: float) -> torch.Tensor:
    """Cross-entropy of each query i against document i among all `documents`; `blocked[i, j]`
    marks documents that must not count as negatives of query i (they answer it too)."""
    logits = scale * queries @ documents.T
    logits = logits.masked_fill(blocked, float("-inf"))
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(queries)))


@dataclass(frozen=True)
class Batch:
    examples: tuple[Example, ...]
    negatives: tuple[str, ...]  # one per example


def make_batches(examples: Sequence[Example], params: TrainingParams, rng: random.Random) -> list[Batch]:
    """Batches of one source and task, each example with one negative drawn from its mined top."""
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for e in examples:
        groups[(e.source, e.task)].append(e)
    batches = []
    for key in sorted(groups):
        members = groups[key][:]
        rng.shuffle(members)
        for i in range(0, len(members), params.batch_size):
            chunk = members[i : i + params.batch_size]
            if len(chunk) < 2:
                continue
            negatives = tuple(
                rng.choice(e.negatives[: params.negatives_top]) if e.negatives else e.positive for e in chunk
            )
            batches.append(Batch(tuple(chunk), negatives))
    rng.shuffle(batches)
    return batches


def blocked_pairs(batch: Batch) -> torch.Tensor:
    """[queries, positives + negatives] mask of the documents that answer a query but are not its own."""
    documents = [e.positive for e in batch.examples] + list(batch.negatives)
    blocked = torch.zeros(len(batch.examples), len(documents), dtype=torch.bool)
    for i, e in enumerate(batch.examples):
        right = {e.positive, *e.also_right}
        for j, text in enumerate(documents):
            if j != i and text in right:
                blocked[i, j] = True
    return blocked


def _query_key(params: TrainingParams, example: Example) -> tuple[Kind, str, int]:
    return ("query", example.query, max_tokens(params, "query", example.task))


def _text_key(params: TrainingParams, example: Example, text: str) -> tuple[Kind, str, int]:
    return ("passage", text, max_tokens(params, "passage", example.task))


def cache_items(examples: Sequence[Example], params: TrainingParams) -> list[tuple[Kind, str, int]]:
    """The prefix states training needs: each query, positive and drawable negative at its task's limit."""
    items = []
    for e in examples:
        items.append(_query_key(params, e))
        items.extend(_text_key(params, e, text) for text in (e.positive, *e.negatives[: params.negatives_top]))
    return items


def train(
    encoder: E5Encoder,
    examples: Sequence[Example],
    evaluate: Callable[[E5Encoder], dict[str, float]],
    log_path: Path,
    params: TrainingParams = TRAINING,
) -> dict:
    """Train the top layers of `encoder` in place; keeps the best epoch by `evaluate`'s `score`.

    Writes one JSON line per epoch (loss, dev figures, time) to `log_path`; returns the summary."""
    torch.manual_seed(params.seed)
    rng = random.Random(params.seed)
    torch.set_num_threads(params.threads)
    model = encoder.model
    for p in model.parameters():
        p.requires_grad_(False)
    make_block_scaled(model, encoder.source, params.frozen_layers)
    top = TopLayers(encoder, params.frozen_layers)
    for p in top.parameters():
        p.requires_grad_(True)
    trainable = sum(p.numel() for p in top.parameters())
    started = time.time()
    cache = PrefixCache(encoder, params.frozen_layers)
    cache.add(cache_items(examples, params))
    prefix_seconds = time.time() - started

    steps_per_epoch = len(make_batches(examples, params, random.Random(params.seed)))
    total_steps = steps_per_epoch * params.epochs
    optimizer = torch.optim.AdamW(top.parameters(), lr=params.learning_rate, weight_decay=params.weight_decay)
    warmup = max(1, int(params.warmup_share * total_steps))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    history = []
    baseline = evaluate(encoder)
    history.append({"epoch": 0, "loss": None, **baseline, "seconds": round(time.time() - started, 1)})
    _log_line(log_path, history[-1], mode="w")
    best_score, best_state = baseline["score"], _snapshot(top)
    step = 0
    for epoch in range(1, params.epochs + 1):
        top.train()
        losses = []
        bar = tqdm(make_batches(examples, params, rng), desc=f"epoch {epoch}/{params.epochs}", unit="batch")
        for batch in bar:
            queries = top([cache.states[_query_key(params, e)] for e in batch.examples])
            documents = top(
                [cache.states[_text_key(params, e, e.positive)] for e in batch.examples]
                + [cache.states[_text_key(params, e, n)] for e, n in zip(batch.examples, batch.negatives, strict=True)]
            )
            loss = info_nce(queries, documents, blocked_pairs(batch), params.scale)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}", task=batch.examples[0].task)
        top.eval()
        figures = evaluate(encoder)
        history.append(
            {
                "epoch": epoch,
                "loss": round(float(np.mean(losses)), 4),
                **figures,
                "seconds": round(time.time() - started, 1),
            }
        )
        _log_line(log_path, history[-1])
        log.info("epoch %d: %s", epoch, history[-1])
        if figures["score"] > best_score:
            best_score, best_state = figures["score"], _snapshot(top)
    top.load_state_dict(best_state)
    best_epoch = max(history, key=lambda h: h["score"])["epoch"]
    return {
        "params": asdict(params),
        "trainable_parameters": trainable,
        "examples": len(examples),
        "steps": step,
        "prefix_seconds": round(prefix_seconds, 1),
        "seconds": round(time.time() - started, 1),
        "history": history,
        "best_epoch": best_epoch,
    }


def _snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _log_line(path: Path, record: dict, mode: str = "a") -> None:
    with path.open(mode, encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
