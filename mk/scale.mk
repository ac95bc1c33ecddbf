# Scaling out: Rasa replicas behind the public entry, Redis locks and conversations, load figures.
# `RASA_REPLICAS=2 REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=postgresql://… make run`
# starts the scaled layout on one machine; plain `make run` keeps one replica, SQLite, no Redis.
# $(PY), `setup` and `model` come from the main Makefile.

.PHONY: bench-load bench-load-quick profile-turn

## bench-load: simulated citizens (open and closed loop, 1 to 100) against 1 then 2 replicas,
## on the local Redis and PostgreSQL (--redis-url, --postgres-url for others); about 10 minutes
bench-load: setup model
	$(PY) -m triage.bench_load

## bench-load-quick: the same, two short levels (a minute or two)
bench-load-quick: setup model
	$(PY) -m triage.bench_load --quick

## profile-turn: py-spy on one citizen's turns (top costs), then turns 1-20 against 60-80
profile-turn: setup model
	$(PY) -m triage.bench_load --profile reports/profile/turn.txt
