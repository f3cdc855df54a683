FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY nlu ./nlu
COPY content ./content
COPY locales ./locales
RUN pip install --no-cache-dir -e . \
 && for po in locales/*/LC_MESSAGES/relais.po; do pybabel compile -D relais -i "$po" -o "${po%.po}.mo"; done
EXPOSE 8000
CMD ["relais", "serve", "--host", "0.0.0.0", "--port", "8000"]
