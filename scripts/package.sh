#!/usr/bin/env bash
# Makes the release artifacts from this checkout: a Debian package and a tarball for other distributions.
#
#   scripts/package.sh [OUTDIR]           # default target/package
#
#   OUTDIR/vhdx-mount_VERSION_all.deb     apt-get install ./vhdx-mount_VERSION_all.deb
#   OUTDIR/vhdx-mount-VERSION.tar.gz      bin/, lib/vhdx-mount/, share/man/man1/, share/bash-completion/completions/
#
# Both hold the same files: the launcher (scripts/vhdx-mount, so the installed command behaves as the checkout's:
# one-JVM background mount, JVM options, AppCDS), the shaded jar, the launcher's protocol file and class list, the
# man pages vhdx-mount(1) and vhdx-info(1) and the bash completion of both, generated here from the commands'
# picocli model (picocli-codegen's ManPageGenerator, converted by asciidoctor, and picocli's AutoComplete) and checked
# against their --help (scripts/check-docs.sh).
#
# The package depends on Debian's Java (17 or newer: default-jre-headless on Debian 12 and 13), fuse3, and libfuse 3 or
# 2. It makes the AppCDS archive when installed and whenever a Java package changes (a dpkg trigger), in
# /var/cache/vhdx-mount: the archive only works with the JVM build that made it, which is the one installed there,
# not the one here. `apt-get remove` removes it too.
#
# Builds the jar first (mvn package) when it is missing or older than the sources. Needs a JDK, Maven, dpkg-deb,
# asciidoctor, man-db and groff (scripts/setup.sh installs them). SOURCE_DATE_EPOCH, if set, dates the files (default:
# the last commit's time), so that the same commit makes the same artifacts.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

out=${1:-target/package}
jar=fuse-mount/target/vhdx-mount.jar
work=""

log() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: FAILED: %s\n' "$*" >&2; exit 1; }
on_exit() {
  local status=$?
  [ -z "$work" ] || rm -rf "$work"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in java mvn dpkg-deb asciidoctor man groff gzip tar col; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/setup.sh installs what this needs)"
done

if [ ! -f "$jar" ] || [ -n "$(find vhdx-core/src/main fuse-mount/src/main -newer "$jar" -type f -print -quit)" ]; then
  log "building $jar (mvn -B -q -DskipTests package)"
  mvn -B -q -Dstyle.color=never -DskipTests package >&2 || die "the build failed"
fi

version=$(java -jar "$jar" --version | sed -n '1s/^vhdx-mount //p')
[ -n "$version" ] || die "java -jar $jar --version names no version"
# Debian's ordering: 0.1.0~SNAPSHOT comes before the release 0.1.0
deb_version=${version//-/\~}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
work=$(mktemp -d)
log "vhdx-mount $version (Debian $deb_version) into $out"

# --- man pages and completion, from the picocli model ----------------------------------------------------------------
# picocli-codegen at picocli's own version, from Maven's repository (downloaded once)
picocli=$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml)
mvn -B -q -ntp -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="info.picocli:picocli-codegen:$picocli" -DoutputDirectory="$work/tools" -Dmdep.stripVersion=true >&2 \
  || die "cannot get picocli-codegen $picocli from Maven"
# from the command lines as they run (scripts/GenerateDocs.java), so with what the code adds to the annotations
java -cp "$jar:$work/tools/picocli-codegen.jar" scripts/GenerateDocs.java "$work" >&2 || die "GenerateDocs failed"
asciidoctor -b manpage -D "$work/man" "$work/adoc/vhdx-mount.adoc" "$work/adoc/vhdx-info.adoc" \
  || die "asciidoctor failed"
for program in vhdx-mount vhdx-info; do
  scripts/check-docs.sh "$work/man/$program.1" "$work/completions/$program" java -jar "$jar" "$program" \
    || die "the man page or completion of $program disagrees with its --help (above)"
  gzip -9n "$work/man/$program.1"
done

# --- one tree of installed files, below PREFIX; LIB holds the launcher and what it reads ------------------------------
install_tree() { # ROOT PREFIX LIB CDS_DIR
  local root=$1 prefix=$2 lib=$3 cds_dir=$4 program
  install -d "$root$lib" "$root$prefix/bin" "$root$prefix/share/man/man1" \
    "$root$prefix/share/bash-completion/completions"
  install -m 0644 "$jar" scripts/vhdx-mount.protocol scripts/vhdx-mount.classlist "$root$lib/"
  # the checkout's launcher; only where its AppCDS archive lives differs
  sed "s|^cds_dir=\$|cds_dir=$cds_dir|" scripts/vhdx-mount >"$root$lib/vhdx-mount"
  chmod 0755 "$root$lib/vhdx-mount"
  [ -z "$cds_dir" ] || grep -qx "cds_dir=$cds_dir" "$root$lib/vhdx-mount" \
    || die "scripts/vhdx-mount has no line 'cds_dir=' to set"
  for program in vhdx-mount vhdx-info; do
    ln -s "$(realpath -m --relative-to="$prefix/bin" "$lib")/vhdx-mount" "$root$prefix/bin/$program"
    install -m 0644 "$work/man/$program.1.gz" "$root$prefix/share/man/man1/"
    install -m 0644 "$work/completions/$program" "$root$prefix/share/bash-completion/completions/"
  done
}

# --- the Debian package --------------------------------------------------------------------------------------------
# dpkg-deb rather than jdeb or jpackage: it is on every Debian machine that builds this, needs no plugin, and the
# package is plain files, two maintainer scripts and a trigger; jpackage would bundle a runtime and put its own
# launcher in /opt instead of ours.
deb=$work/deb
install_tree "$deb" /usr /usr/share/vhdx-mount /var/cache/vhdx-mount
install -d "$deb/usr/share/doc/vhdx-mount" "$deb/DEBIAN"
cat >"$deb/usr/share/doc/vhdx-mount/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vhdx-mount

Files: usr/share/vhdx-mount/vhdx-mount.jar
Comment: Besides vhdx-mount's own classes the jar bundles, unchanged and each under its own licence: picocli,
 SLF4J, Logback, jnr-ffi, jffi (with its native libraries), jnr-constants, jnr-posix, jnr-x86asm, jnr-a64asm,
 jnr-fuse, ASM, jackson-jr and jackson-core.
EOF
installed_kib=$(du -sk --exclude=DEBIAN "$deb" | cut -f1)
cat >"$deb/DEBIAN/control" <<EOF
Package: vhdx-mount
Version: $deb_version
Architecture: all
Section: otherosfs
Priority: optional
Maintainer: vhdx-mount developers <noreply@vhdx-mount.invalid>
Installed-Size: $installed_kib
Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, fuse3,
 libfuse3-3 | libfuse3-4 | libfuse2t64 | libfuse2
Suggests: libfuse2t64 | libfuse2, fdisk
Description: mount Microsoft VHDX virtual disks read-only through FUSE
 vhdx-mount serves the virtual disk of a VHDX image (Hyper-V, Windows Server
 Backup, WSL, Azure) as the file disk.raw in a FUSE mount, read on demand and
 read-only: fixed, dynamic and differencing disks, 512 and 4096-byte sectors,
 and dirty logs replayed in memory. vhdx-info reports what an image holds.
 .
 Mount from the command line, with mount -t fuse.vhdx-mount, or from
 /etc/fstab and systemd.
EOF
# the AppCDS archive for the installed JVM, made by the launcher itself on a run as root; again whenever a package
# installs into /usr/lib/jvm (a Java update), as the JVM ignores an archive that another JVM build made
cat >"$deb/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
case "$1" in
  configure | triggered)
    mkdir -p /var/cache/vhdx-mount
    /usr/share/vhdx-mount/vhdx-mount --version >/dev/null 2>&1 || true
    ;;
esac
EOF
# in prerm rather than postrm: a package with neither conffiles nor a postrm is gone for good after apt-get remove,
# not left half-installed ("rc") until purged
cat >"$deb/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
case "$1" in
  remove | upgrade) rm -rf /var/cache/vhdx-mount ;;
esac
EOF
chmod 0755 "$deb/DEBIAN/postinst" "$deb/DEBIAN/prerm"
echo "interest-noawait /usr/lib/jvm" >"$deb/DEBIAN/triggers"
find "$deb" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$out"
deb_file="$out/vhdx-mount_${deb_version}_all.deb"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$deb_file" >/dev/null || die "dpkg-deb failed"
log "$deb_file ($(stat -c %s "$deb_file") bytes)"

# --- the tarball ----------------------------------------------------------------------------------------------------
# Unpacked anywhere: bin/ on PATH (or linked from it). The launcher makes its AppCDS archive beside the jar where it
# may write there, as in a checkout.
name=vhdx-mount-$version
tree=$work/tar/$name
install_tree "$tree" "" /lib/vhdx-mount ""
tar_file="$out/$name.tar.gz"
tar -C "$work/tar" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" \
  | gzip -9n >"$tar_file"
log "$tar_file ($(stat -c %s "$tar_file") bytes)"
echo "$repo/$deb_file"
echo "$repo/$tar_file"
