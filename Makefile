# The two commands a fresh machine needs: `make run` (the assistant) and `make test`.
# Both create the project virtualenv (.venv) and train the model when it is missing or stale.
VENV := .venv
BIN := $(VENV)/bin
DEPS_STAMP := $(VENV)/.stamp-deps
MODEL_STAMP := models/.stamp-model
KB_NLU := build/kb_nlu.yml
TRAINING_INPUTS := config.yml domain.yml $(shell find nlu_data policies gradbot/nlu -type f \( -name '*.yml' -o -name '*.txt' -o -name '*.py' \) 2>/dev/null)

.PHONY: run test lint venv model train validate eval bench lock clean

run: $(DEPS_STAMP) $(MODEL_STAMP)
	$(BIN)/gradbot run

test: $(DEPS_STAMP) $(MODEL_STAMP) $(KB_NLU)
	$(BIN)/ruff check .
	$(BIN)/rasa data validate --data nlu_data build/kb_nlu.yml --domain domain.yml --config config.yml --fail-on-warnings
	$(BIN)/rasa test core --stories tests/stories --model models --out build/test-stories --fail-on-prediction-errors
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(DEPS_STAMP)
	$(BIN)/ruff check .

venv: $(DEPS_STAMP)

$(DEPS_STAMP): requirements.lock pyproject.toml scripts/python310.sh
	test -x $(BIN)/python || $$(scripts/python310.sh) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==24.2
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

model: $(MODEL_STAMP)

# `gradbot train` writes build/kb_nlu.yml and trains only when the inputs changed
$(MODEL_STAMP) $(KB_NLU) &: $(DEPS_STAMP) $(TRAINING_INPUTS)
	$(BIN)/gradbot train
	touch $(MODEL_STAMP)

train: $(DEPS_STAMP)
	$(BIN)/gradbot train --force
	touch $(MODEL_STAMP)

validate: $(DEPS_STAMP) $(MODEL_STAMP) $(KB_NLU)
	$(BIN)/rasa data validate --data nlu_data build/kb_nlu.yml --domain domain.yml --config config.yml --fail-on-warnings

eval: $(DEPS_STAMP) $(MODEL_STAMP) $(KB_NLU)
	$(BIN)/gradbot eval tests/eval/questions.yml > build/eval.jsonl
	$(BIN)/gradbot eval tests/eval/real_questions.yml > build/eval_real.jsonl
	$(BIN)/python benchmarks/eval_overlap.py build/eval.jsonl build/eval_real.jsonl

bench: $(DEPS_STAMP) $(MODEL_STAMP) $(KB_NLU)
	$(BIN)/python benchmarks/run_all.py

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) models build
