#!/bin/sh
# Writes Maven's settings for the image's build stage: usage: maven-settings.sh PROVIDED TARGET
#  - PROVIDED (docker/maven/settings.xml, a copy of the host's ~/.m2/settings.xml) is used as it is, if present;
#  - else, if the http_proxy/https_proxy build args are set, a settings.xml with those proxies (and no_proxy);
#  - else nothing: Maven goes to Central directly.
# No host name is ever written into the repository: they come from the build's own environment.
set -eu
provided=$1 target=$2
mkdir -p "$(dirname "$target")"
if [ -f "$provided" ]; then
  cp "$provided" "$target"
  echo "maven-settings: using the provided settings.xml" >&2
  exit 0
fi
https_url=${https_proxy:-${HTTPS_PROXY:-}}
http_url=${http_proxy:-${HTTP_PROXY:-}}
no_proxy_list=${no_proxy:-${NO_PROXY:-}}
if [ -z "$https_url" ] && [ -z "$http_url" ]; then
  echo "maven-settings: no proxy configured; Maven goes to Central directly" >&2
  exit 0
fi
# Maven wants "a|*.b" where no_proxy has "a,.b"
non_proxy=$(printf '%s' "$no_proxy_list" | tr -d ' ' | tr ',' '\n' | sed -e '/^$/d' -e 's/^\./*./' | paste -sd '|' -)
xml_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }
proxy_entry() { # id protocol url
  rest=${3#*://}
  rest=${rest%%/*}
  user="" pass=""
  case $rest in
    *@*) auth=${rest%@*}; rest=${rest##*@}; user=${auth%%:*}; case $auth in *:*) pass=${auth#*:};; esac ;;
  esac
  host=${rest%:*} port=${rest##*:}
  [ "$host" != "$rest" ] || port=80
  echo "    <proxy>"
  echo "      <id>$1</id><active>true</active><protocol>$2</protocol>"
  echo "      <host>$(xml_escape "$host")</host><port>$port</port>"
  [ -z "$user" ] || echo "      <username>$(xml_escape "$user")</username><password>$(xml_escape "$pass")</password>"
  [ -z "$non_proxy" ] || echo "      <nonProxyHosts>$(xml_escape "$non_proxy")</nonProxyHosts>"
  echo "    </proxy>"
}
{
  echo '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">'
  echo '  <proxies>'
  [ -z "$https_url" ] || proxy_entry env-https https "$https_url"
  [ -z "$http_url" ] || proxy_entry env-http http "$http_url"
  echo '  </proxies>'
  echo '</settings>'
} >"$target"
echo "maven-settings: wrote proxy settings from the build's http(s)_proxy" >&2
