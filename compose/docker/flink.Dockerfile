# syntax=docker/dockerfile:1.7
# Apache Flink for compose/docker-compose.yml (profile `flink`: flink-jobmanager,
# flink-taskmanager, flink-sql-gateway): the official image of the local stack's Flink with the
# connectors the local stack resolves from compose/local/flink/pom.xml, the same artifacts and
# versions, checked by their SHA-256 (compose/docker/check.py compares both with the pom).
# The image's opt/ already holds the SQL gateway (bin/sql-gateway.sh puts it on its classpath).
FROM flink:2.2.1-scala_2.12-java17
ADD --chown=flink:flink --checksum=sha256:5605c691d11a501382c383fecba37a7a552467da5ab7ba904ef5d6f3d62c5616 \
    https://repo1.maven.org/maven2/org/apache/flink/flink-sql-connector-kafka/5.0.0-2.2/flink-sql-connector-kafka-5.0.0-2.2.jar /opt/flink/lib/
ADD --chown=flink:flink --checksum=sha256:ccb9691bf1d0f97574ae768e1bef05a39c06d7f7b13996e9d485fbdd69dcbfec \
    https://repo1.maven.org/maven2/org/apache/flink/flink-connector-jdbc-core/4.0.0-2.0/flink-connector-jdbc-core-4.0.0-2.0.jar /opt/flink/lib/
ADD --chown=flink:flink --checksum=sha256:b59c29dc65cafe8ae398e69072b9f6022f4a978a09002fd06a05a1a8dd3348d6 \
    https://repo1.maven.org/maven2/org/apache/flink/flink-connector-jdbc-postgres/4.0.0-2.0/flink-connector-jdbc-postgres-4.0.0-2.0.jar /opt/flink/lib/
ADD --chown=flink:flink --checksum=sha256:73914527305a40cce504b0d3d90b23caf565136912d607ae8ae7c5895512332c \
    https://repo1.maven.org/maven2/org/postgresql/postgresql/42.7.14/postgresql-42.7.14.jar /opt/flink/lib/
# Checkpoints and savepoints: a named volume mounted here starts with this owner.
RUN mkdir -p /flink/checkpoints /flink/savepoints && chown -R flink:flink /flink
