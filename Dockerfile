# vhdx-mount in a container: build the shaded jar with Maven, ship it on a JRE with FUSE and the disk tools.
#
#   docker build -t vhdx-mount .
#   docker run --rm --device /dev/fuse --cap-add SYS_ADMIN -v "$PWD:/images:ro" vhdx-mount -f /images/disk.vhdx /mnt/vhdx
#
# docs/docker.md has the details; scripts/docker-test.sh builds and tests it end to end.
#
# BASE_IMAGE: a Debian 12 or 13 image (debian:bookworm-slim, debian:trixie-slim, or a local one made with
# debootstrap, as scripts/docker-test.sh does where Docker Hub cannot be reached). Packages come from that image's own
# apt sources.
ARG BASE_IMAGE=debian:bookworm-slim

# What both stages share: the JRE, FUSE (libfuse 2 for jnr-fuse, fusermount from fuse3) and the tools to look inside
# disk.raw (losetup, mount, fdisk/sfdisk, e2fsck/debugfs). Installed once; the build stage adds the JDK on top.
# Two package names differ between releases: the JRE is that of the release's default Java if that is 17 or newer
# (21 on Debian 13), else 17; libfuse 2 is libfuse2t64 since the 64-bit time_t transition (Debian 13), libfuse2 before.
FROM ${BASE_IMAGE} AS jre
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# slim images drop man pages, but the JDK/JRE postinst scripts register man pages with update-alternatives
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && java=$(apt-cache depends default-jre-headless \
      | sed -n 's/^ *Depends: openjdk-\([0-9]*\)-jre-headless$/\1/p' | head -n 1) \
 && if [ "${java:-0}" -lt 17 ]; then java=17; fi \
 && if apt-cache show libfuse2t64 >/dev/null 2>&1; then libfuse2=libfuse2t64; else libfuse2=libfuse2; fi \
 && apt-get install -y --no-install-recommends \
      "openjdk-$java-jre-headless" fuse3 "$libfuse2" util-linux mount fdisk e2fsprogs \
 && rm -rf /var/lib/apt/lists/*

FROM jre AS build
# The host's extra CA certificates (an HTTPS-intercepting proxy's, say), put there by scripts/docker-test.sh or by
# hand; only *.crt files count. They reach Java's trust store through ca-certificates-java's update hook. This stage
# is thrown away, so they never reach the runtime image from here.
COPY docker/ca-certificates/ /usr/local/share/ca-certificates/
# the JDK of the JRE installed above
RUN java=$(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' 'openjdk-*-jre-headless' \
      | sed -n 's/^ii *openjdk-\([0-9]*\)-jre-headless$/\1/p' | head -n 1) \
 && apt-get update \
 && apt-get install -y --no-install-recommends "openjdk-$java-jdk-headless" maven \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Maven's way to Central: docker/maven/settings.xml if present (a copy of the host's), else one written from the
# http(s)_proxy/no_proxy build args if those are set, else Maven's defaults.
COPY docker/maven/ docker/maven-settings.sh /tmp/maven/
RUN sh /tmp/maven/maven-settings.sh /tmp/maven/settings.xml /root/.m2/settings.xml
WORKDIR /src
# Dependencies and plugins first, from the POMs alone (empty modules), so that a source change reuses this layer.
COPY pom.xml ./
COPY vhdx-core/pom.xml vhdx-core/
COPY fuse-mount/pom.xml fuse-mount/
RUN mvn -B -ntp -DskipTests package && rm -rf vhdx-core/target fuse-mount/target
COPY vhdx-core/src vhdx-core/src
COPY fuse-mount/src fuse-mount/src
# the background mount's protocol, which the build puts in the jar for Background (fuse-mount/pom.xml)
COPY scripts/vhdx-mount.protocol scripts/
# The tests run on the host (scripts/test.sh): they need FUSE and loop devices, and the corpus (testdata/) is not
# in the build context.
RUN mvn -B -ntp -DskipTests package

FROM jre AS runtime
# The project's own launchers, in the checkout's layout they expect (ROOT/scripts, ROOT/fuse-mount/target): they find
# the jar from their resolved path, take their program name from the name they are called by, and set the JVM options.
COPY --from=build /src/fuse-mount/target/vhdx-mount.jar /opt/vhdx-mount/fuse-mount/target/vhdx-mount.jar
COPY scripts/vhdx-mount scripts/vhdx-mount.protocol scripts/vhdx-mount.classlist /opt/vhdx-mount/scripts/
# The first run of the launcher dumps its AppCDS archive of the start-up classes beside the jar: done here, once, so
# that every container starts with it (a third less CPU at start-up) instead of dumping it again.
RUN ln -s /opt/vhdx-mount/scripts/vhdx-mount /usr/local/bin/vhdx-mount \
 && ln -s /opt/vhdx-mount/scripts/vhdx-mount /usr/local/bin/vhdx-info \
 && mkdir -p /mnt/vhdx /mnt/part /images \
 && vhdx-mount --version \
 && ls /opt/vhdx-mount/fuse-mount/target/*cds.jsa
ENTRYPOINT ["vhdx-mount"]
CMD ["--help"]
