# Bot, action server and web application (Python 3.11+): one image, three commands.

# The scorecard's charts: Chart.js as package-lock.json pins it (nothing at run time).
FROM node:20-slim AS charts
WORKDIR /charts
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONPATH=/app PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir -r requirements/app.lock
COPY mps/ mps/
COPY bot/ bot/
COPY actions/ actions/
COPY web/ web/
COPY --from=charts /charts/node_modules/chart.js/dist/chart.umd.min.js web/static/vendor/
COPY texts/ texts/
COPY data/emergency.yml data/hotlines.yml data/lexicon.yml data/report_routing.yml data/
COPY data/stations/ data/stations/
COPY data/faq/ data/faq/
RUN useradd --create-home mps
USER mps
CMD ["python", "-m", "bot"]
