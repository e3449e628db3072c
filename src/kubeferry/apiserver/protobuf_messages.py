"""Field-number tables for the protobuf messages kubectl's typed clients send (data for `protobuf.py`).

kubectl 1.37 writes `create <generator>`, `create token` and `auth can-i|whoami` bodies as protobuf.
Instead of generated `_pb2` modules, `protobuf.py` builds descriptors at runtime from this table.
The field numbers, names and types are facts of the wire format, restated from the upstream
`generated.proto` files of k8s.io/api and k8s.io/apimachinery (tag v0.37.0-beta.0); the flags come
from the Go struct each message is generated from.

`MESSAGES` maps a short message name (`PACKAGES` expands its package prefix) to its fields,
separated by `;`. Each field reads `<number> <name>[:<json name>] <type>[ <flags>]`:

- `<type>` is a protobuf scalar (`string`, `int32`, `int64`, `bool`, `bytes`, `double`) or a short
  message name; a leading `*` makes the field repeated and `K>V` is a `map<K, V>`.
- flags: `p` the Go field is a pointer (written only when set, so wire presence is meaningful,
  e.g. `replicas: 0`); `k` the JSON tag lacks `omitempty` (Go emits the zero value, e.g.
  `containerPort: 0`); `i` the Go field is embedded inline (its fields sit in the parent's JSON).

Every field without `p` is written by Go on every marshal, zero or not; the encoder does the same.

Example: `"1 replicas int32 p"` is field 1, JSON/proto name `replicas`, an optional int32 that Go
only writes when the pointer is set.
"""

PACKAGES = {
    "core.v1": "k8s.io.api.core.v1",
    "apps.v1": "k8s.io.api.apps.v1",
    "batch.v1": "k8s.io.api.batch.v1",
    "policy.v1": "k8s.io.api.policy.v1",
    "authentication.v1": "k8s.io.api.authentication.v1",
    "authorization.v1": "k8s.io.api.authorization.v1",
    "rbac.v1": "k8s.io.api.rbac.v1",
    "meta.v1": "k8s.io.apimachinery.pkg.apis.meta.v1",
    "runtime": "k8s.io.apimachinery.pkg.runtime",
    "resource": "k8s.io.apimachinery.pkg.api.resource",
    "intstr": "k8s.io.apimachinery.pkg.util.intstr",
}

# The envelope: `k8s\0` + Unknown{typeMeta, raw=<object message>, contentEncoding, contentType}.
UNKNOWN = "runtime.Unknown"

# Top-level kinds accepted in a request body: (apiVersion, kind) -> message.
ROOTS = {
    ("v1", "ConfigMap"): "core.v1.ConfigMap",
    ("v1", "Namespace"): "core.v1.Namespace",
    ("v1", "Pod"): "core.v1.Pod",
    ("v1", "Secret"): "core.v1.Secret",
    ("v1", "Service"): "core.v1.Service",
    ("v1", "ServiceAccount"): "core.v1.ServiceAccount",
    ("apps/v1", "DaemonSet"): "apps.v1.DaemonSet",
    ("apps/v1", "Deployment"): "apps.v1.Deployment",
    ("apps/v1", "ReplicaSet"): "apps.v1.ReplicaSet",
    ("apps/v1", "StatefulSet"): "apps.v1.StatefulSet",
    ("batch/v1", "CronJob"): "batch.v1.CronJob",
    ("batch/v1", "Job"): "batch.v1.Job",
    ("policy/v1", "Eviction"): "policy.v1.Eviction",
    ("policy/v1", "PodDisruptionBudget"): "policy.v1.PodDisruptionBudget",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "authentication.v1.SelfSubjectReview",
    ("authentication.k8s.io/v1", "TokenRequest"): "authentication.v1.TokenRequest",
    ("authentication.k8s.io/v1", "TokenReview"): "authentication.v1.TokenReview",
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview"): "authorization.v1.LocalSubjectAccessReview",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "authorization.v1.SelfSubjectAccessReview",
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): "authorization.v1.SelfSubjectRulesReview",
    ("authorization.k8s.io/v1", "SubjectAccessReview"): "authorization.v1.SubjectAccessReview",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "rbac.v1.ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "rbac.v1.ClusterRoleBinding",
    ("rbac.authorization.k8s.io/v1", "Role"): "rbac.v1.Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "rbac.v1.RoleBinding",
}

MESSAGES: dict[str, str] = {
    "rbac.v1.AggregationRule": "1 clusterRoleSelectors *meta.v1.LabelSelector",
    "rbac.v1.ClusterRole": (
        "1 metadata meta.v1.ObjectMeta; 2 rules *rbac.v1.PolicyRule k; 3 aggregationRule rbac.v1.AggregationRule p"
    ),
    "rbac.v1.ClusterRoleBinding": (
        "1 metadata meta.v1.ObjectMeta; 2 subjects *rbac.v1.Subject; 3 roleRef rbac.v1.RoleRef k"
    ),
    "rbac.v1.PolicyRule": (
        "1 verbs *string k; 2 apiGroups *string; 3 resources *string; 4 resourceNames *string; "
        "5 nonResourceURLs *string"
    ),
    "rbac.v1.Role": "1 metadata meta.v1.ObjectMeta; 2 rules *rbac.v1.PolicyRule k",
    "rbac.v1.RoleBinding": "1 metadata meta.v1.ObjectMeta; 2 subjects *rbac.v1.Subject; 3 roleRef rbac.v1.RoleRef k",
    "rbac.v1.RoleRef": "1 apiGroup string k; 2 kind string k; 3 name string k",
    "rbac.v1.Subject": "1 kind string k; 2 apiGroup string; 3 name string k; 4 namespace string",
    "apps.v1.DaemonSet": (
        "1 metadata meta.v1.ObjectMeta; 2 spec apps.v1.DaemonSetSpec; 3 status apps.v1.DaemonSetStatus"
    ),
    "apps.v1.DaemonSetCondition": (
        "1 type string k; 2 status string k; 3 lastTransitionTime meta.v1.Time; 4 reason string; 5 message string"
    ),
    "apps.v1.DaemonSetSpec": (
        "1 selector meta.v1.LabelSelector pk; 2 template core.v1.PodTemplateSpec k; "
        "3 updateStrategy apps.v1.DaemonSetUpdateStrategy; 4 minReadySeconds int32; 6 revisionHistoryLimit int32 p"
    ),
    "apps.v1.DaemonSetStatus": (
        "1 currentNumberScheduled int32 k; 2 numberMisscheduled int32 k; 3 desiredNumberScheduled int32 k; "
        "4 numberReady int32 k; 5 observedGeneration int64; 6 updatedNumberScheduled int32; "
        "7 numberAvailable int32; 8 numberUnavailable int32; 9 collisionCount int32 p; "
        "10 conditions *apps.v1.DaemonSetCondition"
    ),
    "apps.v1.DaemonSetUpdateStrategy": "1 type string; 2 rollingUpdate apps.v1.RollingUpdateDaemonSet p",
    "apps.v1.Deployment": (
        "1 metadata meta.v1.ObjectMeta; 2 spec apps.v1.DeploymentSpec; 3 status apps.v1.DeploymentStatus"
    ),
    "apps.v1.DeploymentCondition": (
        "1 type string k; 2 status string k; 4 reason string; 5 message string; 6 lastUpdateTime meta.v1.Time; "
        "7 lastTransitionTime meta.v1.Time"
    ),
    "apps.v1.DeploymentSpec": (
        "1 replicas int32 p; 2 selector meta.v1.LabelSelector pk; 3 template core.v1.PodTemplateSpec k; "
        "4 strategy apps.v1.DeploymentStrategy; 5 minReadySeconds int32; 6 revisionHistoryLimit int32 p; "
        "7 paused bool; 9 progressDeadlineSeconds int32 p"
    ),
    "apps.v1.DeploymentStatus": (
        "1 observedGeneration int64; 2 replicas int32; 3 updatedReplicas int32; 4 availableReplicas int32; "
        "5 unavailableReplicas int32; 6 conditions *apps.v1.DeploymentCondition; 7 readyReplicas int32; "
        "8 collisionCount int32 p; 9 terminatingReplicas int32 p"
    ),
    "apps.v1.DeploymentStrategy": "1 type string; 2 rollingUpdate apps.v1.RollingUpdateDeployment p",
    "apps.v1.ReplicaSet": (
        "1 metadata meta.v1.ObjectMeta; 2 spec apps.v1.ReplicaSetSpec; 3 status apps.v1.ReplicaSetStatus"
    ),
    "apps.v1.ReplicaSetCondition": (
        "1 type string k; 2 status string k; 3 lastTransitionTime meta.v1.Time; 4 reason string; 5 message string"
    ),
    "apps.v1.ReplicaSetSpec": (
        "1 replicas int32 p; 2 selector meta.v1.LabelSelector pk; 3 template core.v1.PodTemplateSpec; "
        "4 minReadySeconds int32"
    ),
    "apps.v1.ReplicaSetStatus": (
        "1 replicas int32 k; 2 fullyLabeledReplicas int32; 3 observedGeneration int64; 4 readyReplicas int32; "
        "5 availableReplicas int32; 6 conditions *apps.v1.ReplicaSetCondition; 7 terminatingReplicas int32 p"
    ),
    "apps.v1.RollingUpdateDaemonSet": "1 maxUnavailable intstr.IntOrString p; 2 maxSurge intstr.IntOrString p",
    "apps.v1.RollingUpdateDeployment": "1 maxUnavailable intstr.IntOrString p; 2 maxSurge intstr.IntOrString p",
    "apps.v1.RollingUpdateStatefulSetStrategy": "1 partition int32 p; 2 maxUnavailable intstr.IntOrString p",
    "apps.v1.StatefulSet": (
        "1 metadata meta.v1.ObjectMeta; 2 spec apps.v1.StatefulSetSpec; 3 status apps.v1.StatefulSetStatus"
    ),
    "apps.v1.StatefulSetCondition": (
        "1 type string k; 2 status string k; 3 lastTransitionTime meta.v1.Time; 4 reason string; 5 message string"
    ),
    "apps.v1.StatefulSetOrdinals": "1 start int32 k",
    "apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy": "1 whenDeleted string; 2 whenScaled string",
    "apps.v1.StatefulSetSpec": (
        "1 replicas int32 p; 2 selector meta.v1.LabelSelector pk; 3 template core.v1.PodTemplateSpec k; "
        "4 volumeClaimTemplates *core.v1.PersistentVolumeClaim; 5 serviceName string k; "
        "6 podManagementPolicy string; 7 updateStrategy apps.v1.StatefulSetUpdateStrategy; "
        "8 revisionHistoryLimit int32 p; 9 minReadySeconds int32; "
        "10 persistentVolumeClaimRetentionPolicy apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy p; "
        "11 ordinals apps.v1.StatefulSetOrdinals p"
    ),
    "apps.v1.StatefulSetStatus": (
        "1 observedGeneration int64; 2 replicas int32 k; 3 readyReplicas int32; 4 currentReplicas int32; "
        "5 updatedReplicas int32; 6 currentRevision string; 7 updateRevision string; 9 collisionCount int32 p; "
        "10 conditions *apps.v1.StatefulSetCondition; 11 availableReplicas int32 k"
    ),
    "apps.v1.StatefulSetUpdateStrategy": "1 type string; 2 rollingUpdate apps.v1.RollingUpdateStatefulSetStrategy p",
    "authentication.v1.BoundObjectReference": "1 kind string; 2 apiVersion string; 3 name string; 4 uID:uid string",
    "authentication.v1.ExtraValue": "1 items *string",
    "authentication.v1.SelfSubjectReview": (
        "1 metadata meta.v1.ObjectMeta; 2 status authentication.v1.SelfSubjectReviewStatus"
    ),
    "authentication.v1.SelfSubjectReviewStatus": "1 userInfo authentication.v1.UserInfo",
    "authentication.v1.TokenRequest": (
        "1 metadata meta.v1.ObjectMeta; 2 spec authentication.v1.TokenRequestSpec k; "
        "3 status authentication.v1.TokenRequestStatus"
    ),
    "authentication.v1.TokenRequestSpec": (
        "1 audiences *string; 3 boundObjectRef authentication.v1.BoundObjectReference pk; 4 expirationSeconds int64 pk"
    ),
    "authentication.v1.TokenRequestStatus": "1 token string k; 2 expirationTimestamp meta.v1.Time k",
    "authentication.v1.TokenReview": (
        "1 metadata meta.v1.ObjectMeta; 2 spec authentication.v1.TokenReviewSpec k; "
        "3 status authentication.v1.TokenReviewStatus"
    ),
    "authentication.v1.TokenReviewSpec": "1 token string; 2 audiences *string",
    "authentication.v1.TokenReviewStatus": (
        "1 authenticated bool; 2 user authentication.v1.UserInfo; 3 error string; 4 audiences *string"
    ),
    "authentication.v1.UserInfo": (
        "1 username string; 2 uid string; 3 groups *string; 4 extra string>authentication.v1.ExtraValue"
    ),
    "authorization.v1.ExtraValue": "1 items *string",
    "authorization.v1.FieldSelectorAttributes": (
        "1 rawSelector string; 2 requirements *meta.v1.FieldSelectorRequirement"
    ),
    "authorization.v1.LabelSelectorAttributes": (
        "1 rawSelector string; 2 requirements *meta.v1.LabelSelectorRequirement"
    ),
    "authorization.v1.LocalSubjectAccessReview": (
        "1 metadata meta.v1.ObjectMeta; 2 spec authorization.v1.SubjectAccessReviewSpec k; "
        "3 status authorization.v1.SubjectAccessReviewStatus"
    ),
    "authorization.v1.NonResourceAttributes": "1 path string; 2 verb string",
    "authorization.v1.NonResourceRule": "1 verbs *string; 2 nonResourceURLs *string",
    "authorization.v1.ResourceAttributes": (
        "1 namespace string; 2 verb string; 3 group string; 4 version string; 5 resource string; "
        "6 subresource string; 7 name string; 8 fieldSelector authorization.v1.FieldSelectorAttributes p; "
        "9 labelSelector authorization.v1.LabelSelectorAttributes p"
    ),
    "authorization.v1.ResourceRule": (
        "1 verbs *string; 2 apiGroups *string; 3 resources *string; 4 resourceNames *string"
    ),
    "authorization.v1.SelfSubjectAccessReview": (
        "1 metadata meta.v1.ObjectMeta; 2 spec authorization.v1.SelfSubjectAccessReviewSpec k; "
        "3 status authorization.v1.SubjectAccessReviewStatus"
    ),
    "authorization.v1.SelfSubjectAccessReviewSpec": (
        "1 resourceAttributes authorization.v1.ResourceAttributes p; "
        "2 nonResourceAttributes authorization.v1.NonResourceAttributes p"
    ),
    "authorization.v1.SelfSubjectRulesReview": (
        "1 metadata meta.v1.ObjectMeta; 2 spec authorization.v1.SelfSubjectRulesReviewSpec k; "
        "3 status authorization.v1.SubjectRulesReviewStatus"
    ),
    "authorization.v1.SelfSubjectRulesReviewSpec": "1 namespace string",
    "authorization.v1.SubjectAccessReview": (
        "1 metadata meta.v1.ObjectMeta; 2 spec authorization.v1.SubjectAccessReviewSpec k; "
        "3 status authorization.v1.SubjectAccessReviewStatus"
    ),
    "authorization.v1.SubjectAccessReviewSpec": (
        "1 resourceAttributes authorization.v1.ResourceAttributes p; "
        "2 nonResourceAttributes authorization.v1.NonResourceAttributes p; 3 user string; 4 groups *string; "
        "5 extra string>authorization.v1.ExtraValue; 6 uid string"
    ),
    "authorization.v1.SubjectAccessReviewStatus": (
        "1 allowed bool k; 2 reason string; 3 evaluationError string; 4 denied bool"
    ),
    "authorization.v1.SubjectRulesReviewStatus": (
        "1 resourceRules *authorization.v1.ResourceRule; 2 nonResourceRules *authorization.v1.NonResourceRule; "
        "3 incomplete bool k; 4 evaluationError string"
    ),
    "batch.v1.CronJob": "1 metadata meta.v1.ObjectMeta; 2 spec batch.v1.CronJobSpec; 3 status batch.v1.CronJobStatus",
    "batch.v1.CronJobSpec": (
        "1 schedule string k; 2 startingDeadlineSeconds int64 p; 3 concurrencyPolicy string; 4 suspend bool p; "
        "5 jobTemplate batch.v1.JobTemplateSpec k; 6 successfulJobsHistoryLimit int32 p; "
        "7 failedJobsHistoryLimit int32 p; 8 timeZone string p"
    ),
    "batch.v1.CronJobStatus": (
        "1 active *core.v1.ObjectReference; 4 lastScheduleTime meta.v1.Time p; 5 lastSuccessfulTime meta.v1.Time p"
    ),
    "batch.v1.Job": "1 metadata meta.v1.ObjectMeta; 2 spec batch.v1.JobSpec; 3 status batch.v1.JobStatus",
    "batch.v1.JobCondition": (
        "1 type string k; 2 status string k; 3 lastProbeTime meta.v1.Time; 4 lastTransitionTime meta.v1.Time; "
        "5 reason string; 6 message string"
    ),
    "batch.v1.JobSpec": (
        "1 parallelism int32 p; 2 completions int32 p; 3 activeDeadlineSeconds int64 p; "
        "4 selector meta.v1.LabelSelector p; 5 manualSelector bool p; 6 template core.v1.PodTemplateSpec k; "
        "7 backoffLimit int32 p; 8 ttlSecondsAfterFinished int32 p; 9 completionMode string p; 10 suspend bool p; "
        "11 podFailurePolicy batch.v1.PodFailurePolicy p; 12 backoffLimitPerIndex int32 p; "
        "13 maxFailedIndexes int32 p; 14 podReplacementPolicy string p; 15 managedBy string p; "
        "16 successPolicy batch.v1.SuccessPolicy p"
    ),
    "batch.v1.JobStatus": (
        "1 conditions *batch.v1.JobCondition; 2 startTime meta.v1.Time p; 3 completionTime meta.v1.Time p; "
        "4 active int32; 5 succeeded int32; 6 failed int32; 7 completedIndexes string; "
        "8 uncountedTerminatedPods batch.v1.UncountedTerminatedPods p; 9 ready int32 p; 10 failedIndexes string p; "
        "11 terminating int32 p"
    ),
    "batch.v1.JobTemplateSpec": "1 metadata meta.v1.ObjectMeta; 2 spec batch.v1.JobSpec",
    "batch.v1.PodFailurePolicy": "1 rules *batch.v1.PodFailurePolicyRule",
    "batch.v1.PodFailurePolicyOnExitCodesRequirement": (
        "1 containerName string p; 2 operator string k; 3 values *int32"
    ),
    "batch.v1.PodFailurePolicyOnPodConditionsPattern": "1 type string k; 2 status string k",
    "batch.v1.PodFailurePolicyRule": (
        "1 action string k; 2 onExitCodes batch.v1.PodFailurePolicyOnExitCodesRequirement p; "
        "3 onPodConditions *batch.v1.PodFailurePolicyOnPodConditionsPattern"
    ),
    "batch.v1.SuccessPolicy": "1 rules *batch.v1.SuccessPolicyRule",
    "batch.v1.SuccessPolicyRule": "1 succeededIndexes string p; 2 succeededCount int32 p",
    "batch.v1.UncountedTerminatedPods": "1 succeeded *string; 2 failed *string",
    "core.v1.AWSElasticBlockStoreVolumeSource": (
        "1 volumeID string k; 2 fsType string; 3 partition int32; 4 readOnly bool"
    ),
    "core.v1.Affinity": (
        "1 nodeAffinity core.v1.NodeAffinity p; 2 podAffinity core.v1.PodAffinity p; "
        "3 podAntiAffinity core.v1.PodAntiAffinity p"
    ),
    "core.v1.AppArmorProfile": "1 type string k; 2 localhostProfile string p",
    "core.v1.AzureDiskVolumeSource": (
        "1 diskName string k; 2 diskURI string k; 3 cachingMode string p; 4 fsType string p; 5 readOnly bool p; "
        "6 kind string p"
    ),
    "core.v1.AzureFileVolumeSource": "1 secretName string k; 2 shareName string k; 3 readOnly bool",
    "core.v1.CSIVolumeSource": (
        "1 driver string k; 2 readOnly bool p; 3 fsType string p; 4 volumeAttributes string>string; "
        "5 nodePublishSecretRef core.v1.LocalObjectReference p"
    ),
    "core.v1.Capabilities": "1 add *string; 2 drop *string",
    "core.v1.CephFSVolumeSource": (
        "1 monitors *string; 2 path string; 3 user string; 4 secretFile string; "
        "5 secretRef core.v1.LocalObjectReference p; 6 readOnly bool"
    ),
    "core.v1.CinderVolumeSource": (
        "1 volumeID string k; 2 fsType string; 3 readOnly bool; 4 secretRef core.v1.LocalObjectReference p"
    ),
    "core.v1.ClientIPConfig": "1 timeoutSeconds int32 p",
    "core.v1.ClusterTrustBundleProjection": (
        "1 name string p; 2 signerName string p; 3 labelSelector meta.v1.LabelSelector p; 4 path string k; "
        "5 optional bool p"
    ),
    "core.v1.ConfigMap": (
        "1 metadata meta.v1.ObjectMeta; 2 data string>string; 3 binaryData string>bytes; 4 immutable bool p"
    ),
    "core.v1.ConfigMapEnvSource": "1 localObjectReference core.v1.LocalObjectReference i; 2 optional bool p",
    "core.v1.ConfigMapKeySelector": (
        "1 localObjectReference core.v1.LocalObjectReference i; 2 key string k; 3 optional bool p"
    ),
    "core.v1.ConfigMapProjection": (
        "1 localObjectReference core.v1.LocalObjectReference i; 2 items *core.v1.KeyToPath; 4 optional bool p"
    ),
    "core.v1.ConfigMapVolumeSource": (
        "1 localObjectReference core.v1.LocalObjectReference i; 2 items *core.v1.KeyToPath; 3 defaultMode int32 p; "
        "4 optional bool p"
    ),
    "core.v1.Container": (
        "1 name string k; 2 image string; 3 command *string; 4 args *string; 5 workingDir string; "
        "6 ports *core.v1.ContainerPort; 7 env *core.v1.EnvVar; 8 resources core.v1.ResourceRequirements; "
        "9 volumeMounts *core.v1.VolumeMount; 10 livenessProbe core.v1.Probe p; 11 readinessProbe core.v1.Probe p; "
        "12 lifecycle core.v1.Lifecycle p; 13 terminationMessagePath string; 14 imagePullPolicy string; "
        "15 securityContext core.v1.SecurityContext p; 16 stdin bool; 17 stdinOnce bool; 18 tty bool; "
        "19 envFrom *core.v1.EnvFromSource; 20 terminationMessagePolicy string; "
        "21 volumeDevices *core.v1.VolumeDevice; 22 startupProbe core.v1.Probe p; "
        "23 resizePolicy *core.v1.ContainerResizePolicy; 24 restartPolicy string p; "
        "25 restartPolicyRules *core.v1.ContainerRestartRule"
    ),
    "core.v1.ContainerExtendedResourceRequest": (
        "1 containerName string k; 2 resourceName string k; 3 requestName string k"
    ),
    "core.v1.ContainerPort": (
        "1 name string; 2 hostPort int32; 3 containerPort int32 k; 4 protocol string; 5 hostIP string"
    ),
    "core.v1.ContainerResizePolicy": "1 resourceName string k; 2 restartPolicy string k",
    "core.v1.ContainerRestartRule": "1 action string; 2 exitCodes core.v1.ContainerRestartRuleOnExitCodes p",
    "core.v1.ContainerRestartRuleOnExitCodes": "1 operator string; 2 values *int32",
    "core.v1.ContainerState": (
        "1 waiting core.v1.ContainerStateWaiting p; 2 running core.v1.ContainerStateRunning p; "
        "3 terminated core.v1.ContainerStateTerminated p"
    ),
    "core.v1.ContainerStateRunning": "1 startedAt meta.v1.Time",
    "core.v1.ContainerStateTerminated": (
        "1 exitCode int32 k; 2 signal int32; 3 reason string; 4 message string; 5 startedAt meta.v1.Time; "
        "6 finishedAt meta.v1.Time; 7 containerID string"
    ),
    "core.v1.ContainerStateWaiting": "1 reason string; 2 message string",
    "core.v1.ContainerStatus": (
        "1 name string k; 2 state core.v1.ContainerState; 3 lastState core.v1.ContainerState; 4 ready bool k; "
        "5 restartCount int32 k; 6 image string k; 7 imageID string k; 8 containerID string; 9 started bool p; "
        "10 allocatedResources string>resource.Quantity; 11 resources core.v1.ResourceRequirements p; "
        "12 volumeMounts *core.v1.VolumeMountStatus; 13 user core.v1.ContainerUser p; "
        "14 allocatedResourcesStatus *core.v1.ResourceStatus; 15 stopSignal string p"
    ),
    "core.v1.ContainerUser": "1 linux core.v1.LinuxContainerUser p",
    "core.v1.DownwardAPIProjection": "1 items *core.v1.DownwardAPIVolumeFile",
    "core.v1.DownwardAPIVolumeFile": (
        "1 path string k; 2 fieldRef core.v1.ObjectFieldSelector p; "
        "3 resourceFieldRef core.v1.ResourceFieldSelector p; 4 mode int32 p"
    ),
    "core.v1.DownwardAPIVolumeSource": "1 items *core.v1.DownwardAPIVolumeFile; 2 defaultMode int32 p",
    "core.v1.EmptyDirVolumeSource": "1 medium string; 2 sizeLimit resource.Quantity p",
    "core.v1.EnvFromSource": (
        "1 prefix string; 2 configMapRef core.v1.ConfigMapEnvSource p; 3 secretRef core.v1.SecretEnvSource p"
    ),
    "core.v1.EnvVar": "1 name string k; 2 value string; 3 valueFrom core.v1.EnvVarSource p",
    "core.v1.EnvVarSource": (
        "1 fieldRef core.v1.ObjectFieldSelector p; 2 resourceFieldRef core.v1.ResourceFieldSelector p; "
        "3 configMapKeyRef core.v1.ConfigMapKeySelector p; 4 secretKeyRef core.v1.SecretKeySelector p; "
        "5 fileKeyRef core.v1.FileKeySelector p"
    ),
    "core.v1.EphemeralContainer": (
        "1 ephemeralContainerCommon core.v1.EphemeralContainerCommon i; 2 targetContainerName string"
    ),
    "core.v1.EphemeralContainerCommon": (
        "1 name string k; 2 image string; 3 command *string; 4 args *string; 5 workingDir string; "
        "6 ports *core.v1.ContainerPort; 7 env *core.v1.EnvVar; 8 resources core.v1.ResourceRequirements; "
        "9 volumeMounts *core.v1.VolumeMount; 10 livenessProbe core.v1.Probe p; 11 readinessProbe core.v1.Probe p; "
        "12 lifecycle core.v1.Lifecycle p; 13 terminationMessagePath string; 14 imagePullPolicy string; "
        "15 securityContext core.v1.SecurityContext p; 16 stdin bool; 17 stdinOnce bool; 18 tty bool; "
        "19 envFrom *core.v1.EnvFromSource; 20 terminationMessagePolicy string; "
        "21 volumeDevices *core.v1.VolumeDevice; 22 startupProbe core.v1.Probe p; "
        "23 resizePolicy *core.v1.ContainerResizePolicy; 24 restartPolicy string p; "
        "25 restartPolicyRules *core.v1.ContainerRestartRule"
    ),
    "core.v1.EphemeralVolumeSource": "1 volumeClaimTemplate core.v1.PersistentVolumeClaimTemplate p",
    "core.v1.ExecAction": "1 command *string",
    "core.v1.FCVolumeSource": (
        "1 targetWWNs *string; 2 lun int32 p; 3 fsType string; 4 readOnly bool; 5 wwids *string"
    ),
    "core.v1.FileKeySelector": "1 volumeName string k; 2 path string k; 3 key string k; 4 optional bool p",
    "core.v1.FlexVolumeSource": (
        "1 driver string k; 2 fsType string; 3 secretRef core.v1.LocalObjectReference p; 4 readOnly bool; "
        "5 options string>string"
    ),
    "core.v1.FlockerVolumeSource": "1 datasetName string; 2 datasetUUID string",
    "core.v1.GCEPersistentDiskVolumeSource": "1 pdName string k; 2 fsType string; 3 partition int32; 4 readOnly bool",
    "core.v1.GRPCAction": "1 port int32 k; 2 service string pk",
    "core.v1.GitRepoVolumeSource": "1 repository string k; 2 revision string; 3 directory string",
    "core.v1.GlusterfsVolumeSource": "1 endpoints string k; 2 path string k; 3 readOnly bool",
    "core.v1.HTTPGetAction": (
        "1 path string; 2 port intstr.IntOrString k; 3 host string; 4 scheme string; 5 httpHeaders *core.v1.HTTPHeader"
    ),
    "core.v1.HTTPHeader": "1 name string k; 2 value string k",
    "core.v1.HostAlias": "1 ip string k; 2 hostnames *string",
    "core.v1.HostIP": "1 ip string k",
    "core.v1.HostPathVolumeSource": "1 path string k; 2 type string p",
    "core.v1.ISCSIVolumeSource": (
        "1 targetPortal string k; 2 iqn string k; 3 lun int32 k; 4 iscsiInterface string; 5 fsType string; "
        "6 readOnly bool; 7 portals *string; 8 chapAuthDiscovery bool; 10 secretRef core.v1.LocalObjectReference p; "
        "11 chapAuthSession bool; 12 initiatorName string p"
    ),
    "core.v1.ImageVolumeSource": "1 reference string; 2 pullPolicy string",
    "core.v1.ImageVolumeStatus": "1 imageRef string",
    "core.v1.KeyToPath": "1 key string k; 2 path string k; 3 mode int32 p",
    "core.v1.Lifecycle": (
        "1 postStart core.v1.LifecycleHandler p; 2 preStop core.v1.LifecycleHandler p; 3 stopSignal string p"
    ),
    "core.v1.LifecycleHandler": (
        "1 exec core.v1.ExecAction p; 2 httpGet core.v1.HTTPGetAction p; 3 tcpSocket core.v1.TCPSocketAction p; "
        "4 sleep core.v1.SleepAction p"
    ),
    "core.v1.LinuxContainerUser": "1 uid int64 k; 2 gid int64 k; 3 supplementalGroups *int64",
    "core.v1.LoadBalancerIngress": "1 ip string; 2 hostname string; 3 ipMode string p; 4 ports *core.v1.PortStatus",
    "core.v1.LoadBalancerStatus": "1 ingress *core.v1.LoadBalancerIngress",
    "core.v1.LocalObjectReference": "1 name string",
    "core.v1.ModifyVolumeStatus": "1 targetVolumeAttributesClassName string; 2 status string k",
    "core.v1.NFSVolumeSource": "1 server string k; 2 path string k; 3 readOnly bool",
    "core.v1.Namespace": (
        "1 metadata meta.v1.ObjectMeta; 2 spec core.v1.NamespaceSpec; 3 status core.v1.NamespaceStatus"
    ),
    "core.v1.NamespaceCondition": (
        "1 type string k; 2 status string k; 4 lastTransitionTime meta.v1.Time; 5 reason string; 6 message string"
    ),
    "core.v1.NamespaceSpec": "1 finalizers *string",
    "core.v1.NamespaceStatus": "1 phase string; 2 conditions *core.v1.NamespaceCondition",
    "core.v1.NodeAffinity": (
        "1 requiredDuringSchedulingIgnoredDuringExecution core.v1.NodeSelector p; "
        "2 preferredDuringSchedulingIgnoredDuringExecution *core.v1.PreferredSchedulingTerm"
    ),
    "core.v1.NodeAllocatableResourceClaimStatus": (
        "1 resourceClaimName string k; 2 containers *string; 3 resources string>resource.Quantity"
    ),
    "core.v1.NodeSelector": "1 nodeSelectorTerms *core.v1.NodeSelectorTerm",
    "core.v1.NodeSelectorRequirement": "1 key string k; 2 operator string k; 3 values *string",
    "core.v1.NodeSelectorTerm": (
        "1 matchExpressions *core.v1.NodeSelectorRequirement; 2 matchFields *core.v1.NodeSelectorRequirement"
    ),
    "core.v1.ObjectFieldSelector": "1 apiVersion string; 2 fieldPath string k",
    "core.v1.ObjectReference": (
        "1 kind string; 2 namespace string; 3 name string; 4 uid string; 5 apiVersion string; "
        "6 resourceVersion string; 7 fieldPath string"
    ),
    "core.v1.PersistentVolumeClaim": (
        "1 metadata meta.v1.ObjectMeta; 2 spec core.v1.PersistentVolumeClaimSpec; "
        "3 status core.v1.PersistentVolumeClaimStatus"
    ),
    "core.v1.PersistentVolumeClaimCondition": (
        "1 type string k; 2 status string k; 3 lastProbeTime meta.v1.Time; 4 lastTransitionTime meta.v1.Time; "
        "5 reason string; 6 message string"
    ),
    "core.v1.PersistentVolumeClaimSpec": (
        "1 accessModes *string; 2 resources core.v1.VolumeResourceRequirements; 3 volumeName string; "
        "4 selector meta.v1.LabelSelector p; 5 storageClassName string p; 6 volumeMode string p; "
        "7 dataSource core.v1.TypedLocalObjectReference p; 8 dataSourceRef core.v1.TypedObjectReference p; "
        "9 volumeAttributesClassName string p"
    ),
    "core.v1.PersistentVolumeClaimStatus": (
        "1 phase string; 2 accessModes *string; 3 capacity string>resource.Quantity; "
        "4 conditions *core.v1.PersistentVolumeClaimCondition; 5 allocatedResources string>resource.Quantity; "
        "7 allocatedResourceStatuses string>string; 8 currentVolumeAttributesClassName string p; "
        "9 modifyVolumeStatus core.v1.ModifyVolumeStatus p"
    ),
    "core.v1.PersistentVolumeClaimTemplate": (
        "1 metadata meta.v1.ObjectMeta; 2 spec core.v1.PersistentVolumeClaimSpec k"
    ),
    "core.v1.PersistentVolumeClaimVolumeSource": "1 claimName string k; 2 readOnly bool",
    "core.v1.PhotonPersistentDiskVolumeSource": "1 pdID string k; 2 fsType string",
    "core.v1.Pod": "1 metadata meta.v1.ObjectMeta; 2 spec core.v1.PodSpec; 3 status core.v1.PodStatus",
    "core.v1.PodAffinity": (
        "1 requiredDuringSchedulingIgnoredDuringExecution *core.v1.PodAffinityTerm; "
        "2 preferredDuringSchedulingIgnoredDuringExecution *core.v1.WeightedPodAffinityTerm"
    ),
    "core.v1.PodAffinityTerm": (
        "1 labelSelector meta.v1.LabelSelector p; 2 namespaces *string; 3 topologyKey string k; "
        "4 namespaceSelector meta.v1.LabelSelector p; 5 matchLabelKeys *string; 6 mismatchLabelKeys *string"
    ),
    "core.v1.PodAntiAffinity": (
        "1 requiredDuringSchedulingIgnoredDuringExecution *core.v1.PodAffinityTerm; "
        "2 preferredDuringSchedulingIgnoredDuringExecution *core.v1.WeightedPodAffinityTerm"
    ),
    "core.v1.PodCertificateProjection": (
        "1 signerName string; 2 keyType string; 3 maxExpirationSeconds int32 p; 4 credentialBundlePath string; "
        "5 keyPath string; 6 certificateChainPath string; 7 userAnnotations string>string"
    ),
    "core.v1.PodCondition": (
        "1 type string k; 2 status string k; 3 lastProbeTime meta.v1.Time; 4 lastTransitionTime meta.v1.Time; "
        "5 reason string; 6 message string; 7 observedGeneration int64"
    ),
    "core.v1.PodDNSConfig": "1 nameservers *string; 2 searches *string; 3 options *core.v1.PodDNSConfigOption",
    "core.v1.PodDNSConfigOption": "1 name string; 2 value string p",
    "core.v1.PodExtendedResourceClaimStatus": (
        "1 requestMappings *core.v1.ContainerExtendedResourceRequest; 2 resourceClaimName string k"
    ),
    "core.v1.PodIP": "1 ip string k",
    "core.v1.PodOS": "1 name string k",
    "core.v1.PodReadinessGate": "1 conditionType string k",
    "core.v1.PodResourceClaim": "1 name string k; 3 resourceClaimName string p; 4 resourceClaimTemplateName string p",
    "core.v1.PodResourceClaimStatus": "1 name string k; 2 resourceClaimName string p",
    "core.v1.PodSchedulingGate": "1 name string k",
    "core.v1.PodSchedulingGroup": "1 podGroupName string p",
    "core.v1.PodSecurityContext": (
        "1 seLinuxOptions core.v1.SELinuxOptions p; 2 runAsUser int64 p; 3 runAsNonRoot bool p; "
        "4 supplementalGroups *int64; 5 fsGroup int64 p; 6 runAsGroup int64 p; 7 sysctls *core.v1.Sysctl; "
        "8 windowsOptions core.v1.WindowsSecurityContextOptions p; 9 fsGroupChangePolicy string p; "
        "10 seccompProfile core.v1.SeccompProfile p; 11 appArmorProfile core.v1.AppArmorProfile p; "
        "12 supplementalGroupsPolicy string p; 13 seLinuxChangePolicy string p"
    ),
    "core.v1.PodSpec": (
        "1 volumes *core.v1.Volume; 2 containers *core.v1.Container; 3 restartPolicy string; "
        "4 terminationGracePeriodSeconds int64 p; 5 activeDeadlineSeconds int64 p; 6 dnsPolicy string; "
        "7 nodeSelector string>string; 8 serviceAccountName string; 9 serviceAccount string; 10 nodeName string; "
        "11 hostNetwork bool; 12 hostPID bool; 13 hostIPC bool; 14 securityContext core.v1.PodSecurityContext p; "
        "15 imagePullSecrets *core.v1.LocalObjectReference; 16 hostname string; 17 subdomain string; "
        "18 affinity core.v1.Affinity p; 19 schedulerName string; 20 initContainers *core.v1.Container; "
        "21 automountServiceAccountToken bool p; 22 tolerations *core.v1.Toleration; "
        "23 hostAliases *core.v1.HostAlias; 24 priorityClassName string; 25 priority int32 p; "
        "26 dnsConfig core.v1.PodDNSConfig p; 27 shareProcessNamespace bool p; "
        "28 readinessGates *core.v1.PodReadinessGate; 29 runtimeClassName string p; 30 enableServiceLinks bool p; "
        "31 preemptionPolicy string p; 32 overhead string>resource.Quantity; "
        "33 topologySpreadConstraints *core.v1.TopologySpreadConstraint; "
        "34 ephemeralContainers *core.v1.EphemeralContainer; 35 setHostnameAsFQDN bool p; 36 os core.v1.PodOS p; "
        "37 hostUsers bool p; 38 schedulingGates *core.v1.PodSchedulingGate; "
        "39 resourceClaims *core.v1.PodResourceClaim; 40 resources core.v1.ResourceRequirements p; "
        "41 hostnameOverride string p; 43 schedulingGroup core.v1.PodSchedulingGroup p"
    ),
    "core.v1.PodStatus": (
        "1 phase string; 2 conditions *core.v1.PodCondition; 3 message string; 4 reason string; 5 hostIP string; "
        "6 podIP string; 7 startTime meta.v1.Time p; 8 containerStatuses *core.v1.ContainerStatus; "
        "9 qosClass string; 10 initContainerStatuses *core.v1.ContainerStatus; 11 nominatedNodeName string; "
        "12 podIPs *core.v1.PodIP; 13 ephemeralContainerStatuses *core.v1.ContainerStatus; 14 resize string; "
        "15 resourceClaimStatuses *core.v1.PodResourceClaimStatus; 16 hostIPs *core.v1.HostIP; "
        "17 observedGeneration int64; 18 extendedResourceClaimStatus core.v1.PodExtendedResourceClaimStatus p; "
        "19 allocatedResources string>resource.Quantity; 20 resources core.v1.ResourceRequirements p; "
        "21 nodeAllocatableResourceClaimStatuses *core.v1.NodeAllocatableResourceClaimStatus"
    ),
    "core.v1.PodTemplateSpec": "1 metadata meta.v1.ObjectMeta; 2 spec core.v1.PodSpec",
    "core.v1.PortStatus": "1 port int32 k; 2 protocol string k; 3 error string p",
    "core.v1.PortworxVolumeSource": "1 volumeID string k; 2 fsType string; 3 readOnly bool",
    "core.v1.PreferredSchedulingTerm": "1 weight int32 k; 2 preference core.v1.NodeSelectorTerm k",
    "core.v1.Probe": (
        "1 handler core.v1.ProbeHandler i; 2 initialDelaySeconds int32; 3 timeoutSeconds int32; "
        "4 periodSeconds int32; 5 successThreshold int32; 6 failureThreshold int32; "
        "7 terminationGracePeriodSeconds int64 p"
    ),
    "core.v1.ProbeHandler": (
        "1 exec core.v1.ExecAction p; 2 httpGet core.v1.HTTPGetAction p; 3 tcpSocket core.v1.TCPSocketAction p; "
        "4 grpc core.v1.GRPCAction p"
    ),
    "core.v1.ProjectedVolumeSource": "1 sources *core.v1.VolumeProjection; 2 defaultMode int32 p",
    "core.v1.QuobyteVolumeSource": (
        "1 registry string k; 2 volume string k; 3 readOnly bool; 4 user string; 5 group string; 6 tenant string"
    ),
    "core.v1.RBDVolumeSource": (
        "1 monitors *string; 2 image string k; 3 fsType string; 4 pool string; 5 user string; 6 keyring string; "
        "7 secretRef core.v1.LocalObjectReference p; 8 readOnly bool"
    ),
    "core.v1.ResourceClaim": "1 name string k; 2 request string",
    "core.v1.ResourceFieldSelector": "1 containerName string; 2 resource string k; 3 divisor resource.Quantity",
    "core.v1.ResourceHealth": "1 resourceID string k; 2 health string; 6 message string p",
    "core.v1.ResourceRequirements": (
        "1 limits string>resource.Quantity; 2 requests string>resource.Quantity; 3 claims *core.v1.ResourceClaim"
    ),
    "core.v1.ResourceStatus": "1 name string k; 2 resources *core.v1.ResourceHealth",
    "core.v1.SELinuxOptions": "1 user string; 2 role string; 3 type string; 4 level string",
    "core.v1.ScaleIOVolumeSource": (
        "1 gateway string k; 2 system string k; 3 secretRef core.v1.LocalObjectReference pk; 4 sslEnabled bool; "
        "5 protectionDomain string; 6 storagePool string; 7 storageMode string; 8 volumeName string; "
        "9 fsType string; 10 readOnly bool"
    ),
    "core.v1.SeccompProfile": "1 type string k; 2 localhostProfile string p",
    "core.v1.Secret": (
        "1 metadata meta.v1.ObjectMeta; 2 data string>bytes; 3 type string; 4 stringData string>string; "
        "5 immutable bool p"
    ),
    "core.v1.SecretEnvSource": "1 localObjectReference core.v1.LocalObjectReference i; 2 optional bool p",
    "core.v1.SecretKeySelector": (
        "1 localObjectReference core.v1.LocalObjectReference i; 2 key string k; 3 optional bool p"
    ),
    "core.v1.SecretProjection": (
        "1 localObjectReference core.v1.LocalObjectReference i; 2 items *core.v1.KeyToPath; 4 optional bool p"
    ),
    "core.v1.SecretVolumeSource": (
        "1 secretName string; 2 items *core.v1.KeyToPath; 3 defaultMode int32 p; 4 optional bool p"
    ),
    "core.v1.SecurityContext": (
        "1 capabilities core.v1.Capabilities p; 2 privileged bool p; 3 seLinuxOptions core.v1.SELinuxOptions p; "
        "4 runAsUser int64 p; 5 runAsNonRoot bool p; 6 readOnlyRootFilesystem bool p; "
        "7 allowPrivilegeEscalation bool p; 8 runAsGroup int64 p; 9 procMount string p; "
        "10 windowsOptions core.v1.WindowsSecurityContextOptions p; 11 seccompProfile core.v1.SeccompProfile p; "
        "12 appArmorProfile core.v1.AppArmorProfile p"
    ),
    "core.v1.Service": "1 metadata meta.v1.ObjectMeta; 2 spec core.v1.ServiceSpec; 3 status core.v1.ServiceStatus",
    "core.v1.ServiceAccount": (
        "1 metadata meta.v1.ObjectMeta; 2 secrets *core.v1.ObjectReference; "
        "3 imagePullSecrets *core.v1.LocalObjectReference; 4 automountServiceAccountToken bool p"
    ),
    "core.v1.ServiceAccountTokenProjection": "1 audience string; 2 expirationSeconds int64 p; 3 path string k",
    "core.v1.ServicePort": (
        "1 name string; 2 protocol string; 3 port int32 k; 4 targetPort intstr.IntOrString; 5 nodePort int32; "
        "6 appProtocol string p"
    ),
    "core.v1.ServiceSpec": (
        "1 ports *core.v1.ServicePort; 2 selector string>string; 3 clusterIP string; 4 type string; "
        "5 externalIPs *string; 7 sessionAffinity string; 8 loadBalancerIP string; "
        "9 loadBalancerSourceRanges *string; 10 externalName string; 11 externalTrafficPolicy string; "
        "12 healthCheckNodePort int32; 13 publishNotReadyAddresses bool; "
        "14 sessionAffinityConfig core.v1.SessionAffinityConfig p; 17 ipFamilyPolicy string p; "
        "18 clusterIPs *string; 19 ipFamilies *string; 20 allocateLoadBalancerNodePorts bool p; "
        "21 loadBalancerClass string p; 22 internalTrafficPolicy string p; 23 trafficDistribution string p"
    ),
    "core.v1.ServiceStatus": "1 loadBalancer core.v1.LoadBalancerStatus; 2 conditions *meta.v1.Condition",
    "core.v1.SessionAffinityConfig": "1 clientIP core.v1.ClientIPConfig p",
    "core.v1.SleepAction": "1 seconds int64 k",
    "core.v1.StorageOSVolumeSource": (
        "1 volumeName string; 2 volumeNamespace string; 3 fsType string; 4 readOnly bool; "
        "5 secretRef core.v1.LocalObjectReference p"
    ),
    "core.v1.Sysctl": "1 name string k; 2 value string k",
    "core.v1.TCPSocketAction": "1 port intstr.IntOrString k; 2 host string",
    "core.v1.Toleration": (
        "1 key string; 2 operator string; 3 value string; 4 effect string; 5 tolerationSeconds int64 p"
    ),
    "core.v1.TopologySpreadConstraint": (
        "1 maxSkew int32 k; 2 topologyKey string k; 3 whenUnsatisfiable string k; "
        "4 labelSelector meta.v1.LabelSelector p; 5 minDomains int32 p; 6 nodeAffinityPolicy string p; "
        "7 nodeTaintsPolicy string p; 8 matchLabelKeys *string"
    ),
    "core.v1.TypedLocalObjectReference": "1 apiGroup string pk; 2 kind string k; 3 name string k",
    "core.v1.TypedObjectReference": "1 apiGroup string pk; 2 kind string k; 3 name string k; 4 namespace string p",
    "core.v1.Volume": "1 name string k; 2 volumeSource core.v1.VolumeSource i",
    "core.v1.VolumeDevice": "1 name string k; 2 devicePath string k",
    "core.v1.VolumeMount": (
        "1 name string k; 2 readOnly bool; 3 mountPath string k; 4 subPath string; 5 mountPropagation string p; "
        "6 subPathExpr string; 7 recursiveReadOnly string p"
    ),
    "core.v1.VolumeMountStatus": (
        "1 name string k; 2 mountPath string k; 3 readOnly bool; 4 recursiveReadOnly string p; "
        "5 volumeStatus core.v1.VolumeStatus p"
    ),
    "core.v1.VolumeProjection": (
        "1 secret core.v1.SecretProjection p; 2 downwardAPI core.v1.DownwardAPIProjection p; "
        "3 configMap core.v1.ConfigMapProjection p; 4 serviceAccountToken core.v1.ServiceAccountTokenProjection p; "
        "5 clusterTrustBundle core.v1.ClusterTrustBundleProjection p; "
        "6 podCertificate core.v1.PodCertificateProjection p"
    ),
    "core.v1.VolumeResourceRequirements": "1 limits string>resource.Quantity; 2 requests string>resource.Quantity",
    "core.v1.VolumeSource": (
        "1 hostPath core.v1.HostPathVolumeSource p; 2 emptyDir core.v1.EmptyDirVolumeSource p; "
        "3 gcePersistentDisk core.v1.GCEPersistentDiskVolumeSource p; "
        "4 awsElasticBlockStore core.v1.AWSElasticBlockStoreVolumeSource p; "
        "5 gitRepo core.v1.GitRepoVolumeSource p; 6 secret core.v1.SecretVolumeSource p; "
        "7 nfs core.v1.NFSVolumeSource p; 8 iscsi core.v1.ISCSIVolumeSource p; "
        "9 glusterfs core.v1.GlusterfsVolumeSource p; "
        "10 persistentVolumeClaim core.v1.PersistentVolumeClaimVolumeSource p; 11 rbd core.v1.RBDVolumeSource p; "
        "12 flexVolume core.v1.FlexVolumeSource p; 13 cinder core.v1.CinderVolumeSource p; "
        "14 cephfs core.v1.CephFSVolumeSource p; 15 flocker core.v1.FlockerVolumeSource p; "
        "16 downwardAPI core.v1.DownwardAPIVolumeSource p; 17 fc core.v1.FCVolumeSource p; "
        "18 azureFile core.v1.AzureFileVolumeSource p; 19 configMap core.v1.ConfigMapVolumeSource p; "
        "20 vsphereVolume core.v1.VsphereVirtualDiskVolumeSource p; 21 quobyte core.v1.QuobyteVolumeSource p; "
        "22 azureDisk core.v1.AzureDiskVolumeSource p; "
        "23 photonPersistentDisk core.v1.PhotonPersistentDiskVolumeSource p; "
        "24 portworxVolume core.v1.PortworxVolumeSource p; 25 scaleIO core.v1.ScaleIOVolumeSource p; "
        "26 projected core.v1.ProjectedVolumeSource p; 27 storageos core.v1.StorageOSVolumeSource p; "
        "28 csi core.v1.CSIVolumeSource p; 29 ephemeral core.v1.EphemeralVolumeSource p; "
        "30 image core.v1.ImageVolumeSource p"
    ),
    "core.v1.VolumeStatus": "1 image core.v1.ImageVolumeStatus p",
    "core.v1.VsphereVirtualDiskVolumeSource": (
        "1 volumePath string k; 2 fsType string; 3 storagePolicyName string; 4 storagePolicyID string"
    ),
    "core.v1.WeightedPodAffinityTerm": "1 weight int32 k; 2 podAffinityTerm core.v1.PodAffinityTerm k",
    "core.v1.WindowsSecurityContextOptions": (
        "1 gmsaCredentialSpecName string p; 2 gmsaCredentialSpec string p; 3 runAsUserName string p; "
        "4 hostProcess bool p"
    ),
    "resource.Quantity": "1 string string",
    "meta.v1.DeleteOptions": (
        "1 gracePeriodSeconds int64 p; 2 preconditions meta.v1.Preconditions p; 3 orphanDependents bool p; "
        "4 propagationPolicy string p; 5 dryRun *string; 6 ignoreStoreReadErrorWithClusterBreakingPotential bool p"
    ),
    "meta.v1.Preconditions": "1 uid string p; 2 resourceVersion string p",
    "policy.v1.Eviction": "1 metadata meta.v1.ObjectMeta; 2 deleteOptions meta.v1.DeleteOptions p",
    "policy.v1.PodDisruptionBudget": (
        "1 metadata meta.v1.ObjectMeta; 2 spec policy.v1.PodDisruptionBudgetSpec; 3 status policy.v1.PodDisruptionBudgetStatus"
    ),
    "policy.v1.PodDisruptionBudgetSpec": (
        "1 minAvailable intstr.IntOrString p; 2 selector meta.v1.LabelSelector p; 3 maxUnavailable intstr.IntOrString p; "
        "4 unhealthyPodEvictionPolicy string p"
    ),
    "policy.v1.PodDisruptionBudgetStatus": (
        "1 observedGeneration int64; 2 disruptedPods string>meta.v1.Time; 3 disruptionsAllowed int32 k; "
        "4 currentHealthy int32 k; 5 desiredHealthy int32 k; 6 expectedPods int32 k; 7 conditions *meta.v1.Condition"
    ),
    "meta.v1.Condition": (
        "1 type string k; 2 status string k; 3 observedGeneration int64; 4 lastTransitionTime meta.v1.Time k; "
        "5 reason string k; 6 message string k"
    ),
    "meta.v1.FieldSelectorRequirement": "1 key string k; 2 operator string k; 3 values *string",
    "meta.v1.FieldsV1": "1 Raw bytes k",
    "meta.v1.LabelSelector": "1 matchLabels string>string; 2 matchExpressions *meta.v1.LabelSelectorRequirement",
    "meta.v1.LabelSelectorRequirement": "1 key string k; 2 operator string k; 3 values *string",
    "meta.v1.ManagedFieldsEntry": (
        "1 manager string; 2 operation string; 3 apiVersion string; 4 time meta.v1.Time p; 6 fieldsType string; "
        "7 fieldsV1 meta.v1.FieldsV1 p; 8 subresource string"
    ),
    "meta.v1.ObjectMeta": (
        "1 name string; 2 generateName string; 3 namespace string; 4 selfLink string; 5 uid string; "
        "6 resourceVersion string; 7 generation int64; 8 creationTimestamp meta.v1.Time; "
        "9 deletionTimestamp meta.v1.Time p; 10 deletionGracePeriodSeconds int64 p; 11 labels string>string; "
        "12 annotations string>string; 13 ownerReferences *meta.v1.OwnerReference; 14 finalizers *string; "
        "17 managedFields *meta.v1.ManagedFieldsEntry"
    ),
    "meta.v1.OwnerReference": (
        "1 kind string k; 3 name string k; 4 uid string k; 5 apiVersion string k; 6 controller bool p; "
        "7 blockOwnerDeletion bool p"
    ),
    "meta.v1.Time": "1 seconds int64; 2 nanos int32",
    "meta.v1.MicroTime": "1 seconds int64; 2 nanos int32",
    "runtime.RawExtension": "1 raw bytes",
    "runtime.TypeMeta": "1 apiVersion string; 2 kind string",
    "runtime.Unknown": "1 typeMeta runtime.TypeMeta i; 2 raw bytes k; 3 contentEncoding string; 4 contentType string",
    "intstr.IntOrString": "1 type int64; 2 intVal int32; 3 strVal string",
}
