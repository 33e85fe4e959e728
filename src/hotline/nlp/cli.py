"""`hotline nlp …`: train the suggestion models and evaluate them on labelled files."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hotline.command import DbOption, fail, settings_for
from hotline.errors import DomainError

app = typer.Typer(help="Intelligent intake: train and evaluate the classifiers.", no_args_is_help=True)

ModelsOption = Annotated[str | None, typer.Option("--models", help="models folder (default: $HOTLINE_MODELS_DIR or ./models)")]


@app.command()
def train(db: DbOption = None, models: ModelsOption = None,
          max_rows: Annotated[int, typer.Option(help="learn from at most this many newest closed orders")] = 1_000_000,
          text_rows: Annotated[int, typer.Option(help="of which the text models read the newest this many")] = 300_000,
          ) -> None:
    """Fit category, request-type and department models on the store's closed orders; print a JSON summary."""
    from hotline.nlp.training import train as train_models

    settings = settings_for(db)
    try:
        summary = train_models(settings.database_url, models or settings.models_dir, max_rows=max_rows,
                               text_rows=text_rows)
    except DomainError as error:
        fail(error)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@app.command()
def evaluate(
    input: Annotated[str, typer.Option("--input", help="labelled CSV or XLSX file to score on")],
    text_col: Annotated[list[str], typer.Option("--text-col", help="text column; repeat to join several (the first is read as the subject)")],
    label_col: Annotated[str, typer.Option("--label-col", help="label column")],
    train: Annotated[str | None, typer.Option("--train", help="fit on this file (same columns) first")] = None,
    baseline: Annotated[bool, typer.Option(help="with --train: also score the char-TF-IDF + LinearSVC baselines")] = False,
    folds: Annotated[int, typer.Option(help="without --train: k-fold cross-validation on --input instead of the trained model (0 = off)")] = 0,
    models: ModelsOption = None,
    pack: Annotated[str | None, typer.Option("--pack", help="with --train or --folds: the city pack (name or folder) whose catalogue informs the classifier (default: the shipped jinchang pack); 'none' for none")] = None,
) -> None:
    """Print {"accuracy", "macro_f1", "per_class"} as JSON."""
    from hotline.errors import InvalidInput
    from hotline.nlp.evaluation import cross_validate, read_table
    from hotline.nlp.prior import DEFAULT_PACK, catalogue_documents
    from hotline.nlp.training import evaluate as evaluate_file

    try:
        if pack is not None and train is None and not folds:
            raise InvalidInput("--pack applies with --train or --folds (the trained model has no prior)", field="pack")
        if pack is not None and not pack.strip():
            raise InvalidInput("--pack is empty: give a pack name or folder, or none", field="pack")
        if pack is None:
            prior = DEFAULT_PACK
        else:
            prior = None if pack.strip().lower() == "none" else pack
        if prior is not None and (train is not None or folds):
            catalogue_documents(prior)  # a wrong name or a broken pack file is reported before any fitting
        if folds and train is None:
            texts, labels = read_table(input, text_col, label_col)
            result = cross_validate(texts, labels, folds=folds, prior=prior)
        else:
            result = evaluate_file(input, text_col, label_col, train_file=train,
                                   models_dir=models or settings_for(None).models_dir, baseline=baseline,
                                   prior=prior)
    except DomainError as error:
        fail(error)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
