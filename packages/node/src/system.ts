import { fs, os } from './lazy.js';

const CI_VARS: Array<[string, string]> = [
  ['GITHUB_ACTIONS', 'GitHub Actions'],
  ['GITLAB_CI', 'GitLab CI'],
  ['CIRCLECI', 'CircleCI'],
  ['TRAVIS', 'Travis CI'],
  ['BUILDKITE', 'Buildkite'],
  ['JENKINS_URL', 'Jenkins'],
  ['TEAMCITY_VERSION', 'TeamCity'],
  ['BITBUCKET_BUILD_NUMBER', 'Bitbucket Pipelines'],
  ['CODEBUILD_BUILD_ID', 'AWS CodeBuild'],
  ['TF_BUILD', 'Azure Pipelines'],
  ['DRONE', 'Drone'],
  ['SEMAPHORE', 'Semaphore'],
  ['APPVEYOR', 'AppVeyor'],
  ['VERCEL', 'Vercel'],
  ['NETLIFY', 'Netlify'],
];

/** Which CI this runs in, if any (by the variables CI services set). */
export function detectCi(env: NodeJS.ProcessEnv = process.env): { ci: boolean; name?: string } {
  for (const [name, label] of CI_VARS) if (env[name]) return { ci: true, name: label };
  return env.CI && env.CI !== 'false' && env.CI !== '0' ? { ci: true } : { ci: false };
}

function inDocker(): boolean {
  try {
    return (
      fs().existsSync('/.dockerenv') ||
      /docker|containerd|kubepods/.test(fs().readFileSync('/proc/self/cgroup', 'utf8'))
    );
  } catch {
    return false;
  }
}

/** The facts of this machine and runtime: the same in any process of it started from this Node. */
export function machineContext() {
  const { arch, availableParallelism, cpus, platform, release } = os();
  return {
    os: platform(),
    osVersion: release(),
    arch: arch(),
    cpus: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
    runtime: 'node',
    runtimeVersion: process.versions.node,
    docker: platform() === 'linux' && inDocker(),
    wsl: platform() === 'linux' && /microsoft/i.test(release()),
  };
}

/** Whether this runs in CI, and which, as context fields. */
export function ciContext(env: NodeJS.ProcessEnv = process.env) {
  const ci = detectCi(env);
  return { ci: ci.ci, ...(ci.name ? { ciName: ci.name } : {}) };
}

/** The context the seed lists: OS platform and release, CPU, Node version, CI, Docker, WSL. */
export function systemContext(env: NodeJS.ProcessEnv = process.env) {
  return { ...machineContext(), ...ciContext(env) };
}
