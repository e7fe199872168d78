{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "blink.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-blink, or the release name alone when it already contains the chart
name. At most 52 characters: a StatefulSet's pods carry the label
controller-revision-hash=<name>-<10-character hash>, and label values stop at 63.
*/}}
{{- define "blink.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "blink.headlessName" -}}
{{- printf "%s-headless" (include "blink.fullname" .) }}
{{- end }}

{{- define "blink.externalName" -}}
{{- printf "%s-external" (include "blink.fullname" .) }}
{{- end }}

{{- define "blink.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "blink.selectorLabels" -}}
app.kubernetes.io/name: {{ include "blink.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "blink.labels" -}}
helm.sh/chart: {{ include "blink.chart" . }}
{{ include "blink.selectorLabels" . }}
app.kubernetes.io/version: {{ include "blink.imageTag" . | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "blink.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "blink.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "blink.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "blink.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "blink.imageTag" .) }}
{{- end }}

{{/* "durable" or "memory": settings.storage_mode, the broker's default being memory. */}}
{{- define "blink.storageMode" -}}
{{- .Values.settings.storage_mode | default "memory" | toString | lower }}
{{- end }}

{{/* The WAL directory inside the container. */}}
{{- define "blink.recordStoragePath" -}}
{{- printf "%s/records" (trimSuffix "/" .Values.persistence.mountPath) }}
{{- end }}

{{/* The name Metadata advertises (see kafka.advertise in values.yaml). */}}
{{- define "blink.advertisedHostname" -}}
{{- $fullname := include "blink.fullname" . }}
{{- if .Values.kafka.advertisedHostname }}
{{- .Values.kafka.advertisedHostname }}
{{- else if eq .Values.kafka.advertise "pod" }}
{{- printf "%s-0.%s.%s.svc.%s" $fullname (include "blink.headlessName" .) .Release.Namespace .Values.clusterDomain }}
{{- else }}
{{- printf "%s.%s.svc.%s" $fullname .Release.Namespace .Values.clusterDomain }}
{{- end }}
{{- end }}

{{/*
The rendered settings.yaml: the settings map without null values, plus the keys the chart
derives. The broker validates the result at boot (tools/deploy-check runs that validation
on the files this chart renders).
*/}}
{{- define "blink.settingsYaml" -}}
{{- $settings := dict }}
{{- range $key, $value := .Values.settings }}
{{- if not (kindIs "invalid" $value) }}
{{- $_ := set $settings $key $value }}
{{- end }}
{{- end }}
{{- $_ := set $settings "broker_ports" .Values.kafka.ports }}
{{- if eq (include "blink.kafkaSecured" .) "true" }}
{{- $_ := set $settings "listeners" (include "blink.listeners" .) }}
{{- $_ := set $settings "listener_security_protocol_map" (include "blink.listenerProtocolMap" .) }}
{{- end }}
{{- if .Values.tls.enabled }}
{{- $_ := set $settings "ssl_cert_file" (printf "%s/tls.crt" (include "blink.tlsMountPath" .)) }}
{{- $_ := set $settings "ssl_key_file" (printf "%s/tls.key" (include "blink.tlsMountPath" .)) }}
{{- if .Values.tls.clientCa }}
{{- $_ := set $settings "ssl_ca_file" (printf "%s/ca.crt" (include "blink.tlsMountPath" .)) }}
{{- end }}
{{- end }}
{{- if .Values.sasl.usersSecret }}
{{- $_ := set $settings "sasl_users_dir" (trimSuffix "/" .Values.sasl.mountPath) }}
{{- end }}
{{- $_ := set $settings "rest_port" .Values.rest.port }}
{{- $_ := set $settings "kafka_hostname" "0.0.0.0" }}
{{- $_ := set $settings "advertised_hostname" (include "blink.advertisedHostname" .) }}
{{- $_ := set $settings "record_storage_path" (include "blink.recordStoragePath" .) }}
{{- toYaml $settings }}
{{- end }}

{{/*
Bytes in a settings size, parsed like the broker does (src/config/units.ts): a plain
number of bytes, or a decimal with B, KB/KiB, MB/MiB, GB/GiB, TB/TiB (all powers of 1024).
*/}}
{{- define "blink.sizeBytes" -}}
{{- $text := toString . | trim }}
{{- $pattern := "^([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)$" }}
{{- if not (regexMatch $pattern $text) }}
{{- fail (printf "settings.max_memory: %q is not a size (examples: 512MB, 2GB, 1GiB, 1048576)" $text) }}
{{- end }}
{{- $amount := regexReplaceAll $pattern $text "${1}" | float64 }}
{{- $unit := regexReplaceAll $pattern $text "${2}" | lower }}
{{- $scales := dict "" 1 "b" 1 "kb" 1024 "kib" 1024 "mb" 1048576 "mib" 1048576 "gb" 1073741824 "gib" 1073741824 "tb" 1099511627776 "tib" 1099511627776 }}
{{- if not (hasKey $scales $unit) }}
{{- fail (printf "settings.max_memory: %q has an unknown unit (examples: 512MB, 2GB, 1GiB)" $text) }}
{{- end }}
{{- mulf $amount (get $scales $unit) | floor | int64 }}
{{- end }}

{{/* A memory quantity in Mi: factor x max_memory, rounded up. */}}
{{- define "blink.memoryFromMaxMemory" -}}
{{- $bytes := include "blink.sizeBytes" .maxMemory | float64 }}
{{- printf "%dMi" (divf (mulf $bytes .factor) 1048576 | ceil | int64) }}
{{- end }}

{{- define "blink.memoryRequest" -}}
{{- $maxMemory := .Values.settings.max_memory | default "1GB" }}
{{- .Values.resources.memory.request | default (include "blink.memoryFromMaxMemory" (dict "maxMemory" $maxMemory "factor" .Values.resources.memory.requestFactor)) }}
{{- end }}

{{- define "blink.memoryLimit" -}}
{{- $maxMemory := .Values.settings.max_memory | default "1GB" }}
{{- .Values.resources.memory.limit | default (include "blink.memoryFromMaxMemory" (dict "maxMemory" $maxMemory "factor" .Values.resources.memory.limitFactor)) }}
{{- end }}

{{/* Name of a Kafka port, e.g. kafka-9092 (port names are at most 15 characters). */}}
{{- define "blink.kafkaPortName" -}}
{{- printf "kafka-%d" (int .) }}
{{- end }}

{{/* The Kafka ports and the REST port, as Service ports (port = targetPort, see kafka.ports). */}}
{{- define "blink.servicePorts" -}}
{{- range .Values.kafka.ports }}
- name: {{ include "blink.kafkaPortName" . }}
  port: {{ . }}
  targetPort: {{ include "blink.kafkaPortName" . }}
  protocol: TCP
{{- end }}
- name: http
  port: {{ .Values.rest.port }}
  targetPort: http
  protocol: TCP
{{- end }}

{{/* The security protocol of Kafka port `.port` (kafka.securityProtocols, default PLAINTEXT). */}}
{{- define "blink.portProtocol" -}}
{{- get .root.Values.kafka.securityProtocols (toString (int .port)) | default "PLAINTEXT" }}
{{- end }}

{{/* "true" when a Kafka port is not PLAINTEXT: the chart then renders listeners instead of relying on broker_ports. */}}
{{- define "blink.kafkaSecured" -}}
{{- $secured := false }}
{{- range .Values.kafka.ports }}
{{- if ne (include "blink.portProtocol" (dict "root" $ "port" .)) "PLAINTEXT" }}{{ $secured = true }}{{ end }}
{{- end }}
{{- $secured }}
{{- end }}

{{/* One listener per Kafka port, named <PROTOCOL>_<port>, bound on every interface. */}}
{{- define "blink.listeners" -}}
{{- $listeners := list }}
{{- range .Values.kafka.ports }}
{{- $listeners = append $listeners (printf "%s_%d://:%d" (include "blink.portProtocol" (dict "root" $ "port" .)) (int .) (int .)) }}
{{- end }}
{{- join "," $listeners }}
{{- end }}

{{- define "blink.listenerProtocolMap" -}}
{{- $pairs := list }}
{{- range .Values.kafka.ports }}
{{- $protocol := include "blink.portProtocol" (dict "root" $ "port" .) }}
{{- $pairs = append $pairs (printf "%s_%d:%s" $protocol (int .) $protocol) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{- define "blink.tlsMountPath" -}}
{{- trimSuffix "/" .Values.tls.mountPath }}
{{- end }}

{{/* The Secret holding tls.crt and tls.key: the existing one, or the one cert-manager fills. */}}
{{- define "blink.tlsSecretName" -}}
{{- .Values.tls.existingSecret | default (printf "%s-tls" (include "blink.fullname" .)) }}
{{- end }}

{{/* HTTP or HTTPS on the REST port (settings.rest_ssl_enabled). */}}
{{- define "blink.restScheme" -}}
{{- if .Values.settings.rest_ssl_enabled }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/* Security values that contradict each other or the settings the chart derives from them. */}}
{{- define "blink.validateSecurity" -}}
{{- $ports := list }}
{{- range .Values.kafka.ports }}{{ $ports = append $ports (toString (int .)) }}{{ end }}
{{- range $port, $protocol := .Values.kafka.securityProtocols }}
{{- if not (has $port $ports) }}
{{- fail (printf "kafka.securityProtocols names port %s, which is not one of kafka.ports" $port) }}
{{- end }}
{{- if and (has $protocol (list "SSL" "SASL_SSL")) (not $.Values.tls.enabled) (not $.Values.settings.ssl_cert_file) }}
{{- fail (printf "kafka.securityProtocols: port %s is %s, which needs tls.enabled (or settings.ssl_cert_file on a volume of your own)" $port $protocol) }}
{{- end }}
{{- end }}
{{- if and .Values.settings.listeners (eq (include "blink.kafkaSecured" .) "true") }}
{{- fail "settings.listeners and kafka.securityProtocols both set the listeners: use one of them" }}
{{- end }}
{{- if .Values.tls.enabled }}
{{- if eq (not .Values.tls.existingSecret) (not .Values.tls.certManager.enabled) }}
{{- fail "tls.enabled needs exactly one of tls.existingSecret (a kubernetes.io/tls Secret) and tls.certManager.enabled" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled (not .Values.tls.certManager.issuerRef.name) }}
{{- fail "tls.certManager.enabled needs tls.certManager.issuerRef.name (an Issuer or ClusterIssuer of cert-manager)" }}
{{- end }}
{{- range list "ssl_cert_file" "ssl_key_file" "ssl_ca_file" }}
{{- if index $.Values.settings . }}
{{- fail (printf "settings.%s is derived from tls.* when tls.enabled is true: leave it unset" .) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.settings.rest_ssl_enabled (not .Values.tls.enabled) (not .Values.settings.ssl_cert_file) }}
{{- fail "settings.rest_ssl_enabled needs tls.enabled (or settings.ssl_cert_file on a volume of your own)" }}
{{- end }}
{{- if and .Values.sasl.usersSecret .Values.settings.sasl_users_dir }}
{{- fail "settings.sasl_users_dir is derived from sasl.usersSecret: leave it unset" }}
{{- end }}
{{- end }}

{{/* Checks that values.schema.json cannot express. */}}
{{- define "blink.validate" -}}
{{- include "blink.validateSecurity" . }}
{{- range .Values.kafka.ports }}
{{- if eq (int .) (int $.Values.rest.port) }}
{{- fail (printf "rest.port %d must not be one of kafka.ports" (int $.Values.rest.port)) }}
{{- end }}
{{- end }}
{{- if gt (float64 .Values.resources.memory.requestFactor) (float64 .Values.resources.memory.limitFactor) }}
{{- fail "resources.memory.requestFactor must not exceed resources.memory.limitFactor" }}
{{- end }}
{{- if and .Values.externalService.enabled (not .Values.kafka.advertisedHostname) }}
{{- fail "externalService.enabled needs kafka.advertisedHostname: the DNS name outside clients resolve to the load balancer (Metadata sends every client to that name)" }}
{{- end }}
{{- end }}
