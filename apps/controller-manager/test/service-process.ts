// Moved to @kastra/testing so every e2e test starts services the same way.
export { REPO, startServiceProcess, type ServiceProcess } from '@kastra/testing';
