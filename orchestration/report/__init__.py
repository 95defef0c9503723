"""The analyst-facing weekly report: exhibits, headline facts and charts as of a date.

    python -m orchestration.report --as-of 2024-12-18 [--out reports]

Every number comes from the exhibit queries in `queries/` (the SQL analysts run as is),
run read-only against the published warehouse. The report is one self-contained HTML
file, `weekly-report-<date>.html` (charts embedded, inline CSS, no external resource), and
its charts as PNG files in `<date>/`, both under the output folder (`reports/` at the
project root unless told otherwise).

Modules, one job each:

- `sql`: finds the query files, runs them with their variables, checks the warehouse;
- `data`: everything one report needs, gathered from the queries;
- `facts`: the headline facts (best and worst mover per sector, the largest site, the
  fastest-growing app);
- `formatting`: numbers, percentages and the colour of a change, as the report prints them;
- `series`: query rows shaped into chart series;
- `fonts`: the CJK font the charts render with;
- `charts`: the PNG charts (matplotlib, Agg);
- `page`: the HTML page;
- `build`: writes the files (`build_report`).

Import from the modules (`orchestration.report.build`): the package itself imports
nothing, so loading the Dagster definitions does not load matplotlib.
"""
