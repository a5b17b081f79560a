{{/* The chart's names and labels. */}}
{{- define "mfn.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mfn.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "mfn.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component (serve, worker, dataset). */}}
{{- define "mfn.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "mfn.apiKeysSecret" -}}
{{- if .Values.secrets.create -}}{{ include "mfn.fullname" . }}-api-keys{{- else -}}{{ .Values.secrets.apiKeys.existingSecret }}{{- end -}}
{{- end -}}

{{- define "mfn.cryptoKeysSecret" -}}
{{- if .Values.secrets.create -}}{{ include "mfn.fullname" . }}-crypto-keys{{- else -}}{{ .Values.secrets.cryptoKeys.existingSecret }}{{- end -}}
{{- end -}}
