import { fileURLToPath } from 'node:url';
import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import type { AirlockSettings } from './settings.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLAMD_CONTEXT = fileURLToPath(new URL('../clamav', import.meta.url));

const ECR_IMAGE =
  /^(?<account>\d{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com\/(?<name>[^:@]+):(?<tag>[^:@]+)$/;

/**
 * An image given by URI. An ECR image goes through fromEcrRepository so the
 * execution role gets pull rights on that repository alone; anything else
 * (Docker Hub, ECR Public) is pulled anonymously.
 */
function imageFromUri(scope: Construct, id: string, uri: string): ecs.ContainerImage {
  const match = ECR_IMAGE.exec(uri);
  if (!match?.groups) return ecs.ContainerImage.fromRegistry(uri);
  const { account, region, name, tag } = match.groups as Record<
    'account' | 'region' | 'name' | 'tag',
    string
  >;
  const repository = ecr.Repository.fromRepositoryAttributes(scope, id, {
    repositoryName: name,
    repositoryArn: `arn:${Stack.of(scope).partition}:ecr:${region}:${account}:repository/${name}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repository, tag);
}

/**
 * The app image, and clamd's. Unset in the settings, each is built from its
 * Dockerfile at deploy time (Docker needed where `cdk deploy` runs). One
 * asset per image, shared by every task: CDK fingerprints the build context
 * once, and the repo root's .dockerignore keeps that context to what the
 * image copies (no node_modules, no .git), so synth stays fast.
 */
export function createImages(
  scope: Construct,
  settings: Pick<AirlockSettings, 'appImage' | 'clamdImage' | 'cpuArchitecture'>,
): { app: ecs.ContainerImage; clamd: ecs.ContainerImage } {
  const platform =
    settings.cpuArchitecture === 'arm64' ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64;
  const app = settings.appImage
    ? imageFromUri(scope, 'AppImageRepository', settings.appImage)
    : ecs.ContainerImage.fromDockerImageAsset(
        new DockerImageAsset(scope, 'AppImage', {
          directory: REPO_ROOT,
          target: 'runtime',
          platform,
        }),
      );
  const clamd = settings.clamdImage
    ? imageFromUri(scope, 'ClamdImageRepository', settings.clamdImage)
    : ecs.ContainerImage.fromDockerImageAsset(
        new DockerImageAsset(scope, 'ClamdImage', { directory: CLAMD_CONTEXT, platform }),
      );
  return { app, clamd };
}
