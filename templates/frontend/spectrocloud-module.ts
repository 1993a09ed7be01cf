// Written by spectro-wizard: SpectroCloud sign-in for the Kubernetes plugin (new frontend system).
// App.tsx passes spectroCloudKubernetesModule to createApp's features.
import {
  ApiBlueprint,
  createApiRef,
  createFrontendModule,
  configApiRef,
  discoveryApiRef,
  oauthRequestApiRef,
  gitlabAuthApiRef,
  googleAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
  oneloginAuthApiRef,
  type BackstageIdentityApi,
  type OAuthApi,
  type OpenIdConnectApi,
  type ProfileInfoApi,
  type SessionApi,
} from '@backstage/frontend-plugin-api';
import { OAuth2 } from '@backstage/core-app-api';
import {
  KubernetesAuthProviders,
  kubernetesAuthProvidersApiRef,
} from '@backstage/plugin-kubernetes-react';

export const spectroCloudAuthApiRef = createApiRef<
  OAuthApi & OpenIdConnectApi & ProfileInfoApi & BackstageIdentityApi & SessionApi
>().with({ id: 'auth.spectrocloud' });

const spectroCloudAuthApi = ApiBlueprint.make({
  name: 'spectrocloud-auth',
  params: defineParams =>
    defineParams({
      api: spectroCloudAuthApiRef,
      deps: {
        configApi: configApiRef,
        discoveryApi: discoveryApiRef,
        oauthRequestApi: oauthRequestApiRef,
      },
      factory: ({ configApi, discoveryApi, oauthRequestApi }) =>
        OAuth2.create({
          configApi,
          discoveryApi,
          oauthRequestApi,
          provider: { id: 'spectrocloud', title: 'SpectroCloud', icon: () => null },
          environment: configApi.getOptionalString('auth.environment'),
          defaultScopes: ['openid', 'profile', 'email'],
          popupOptions: { size: { fullscreen: true } },
        }),
    }),
});

// Not named 'auth-providers': an extension of that name would replace the Kubernetes plugin's own
// one instead of standing beside it.
const kubernetesAuthProvidersWithSpectroCloud = ApiBlueprint.make({
  name: 'auth-providers-with-spectrocloud',
  params: defineParams =>
    defineParams({
      api: kubernetesAuthProvidersApiRef,
      deps: {
        gitlabAuthApi: gitlabAuthApiRef,
        googleAuthApi: googleAuthApiRef,
        microsoftAuthApi: microsoftAuthApiRef,
        oktaAuthApi: oktaAuthApiRef,
        oneloginAuthApi: oneloginAuthApiRef,
        spectroCloudAuthApi: spectroCloudAuthApiRef,
      },
      factory: ({
        gitlabAuthApi,
        googleAuthApi,
        microsoftAuthApi,
        oktaAuthApi,
        oneloginAuthApi,
        spectroCloudAuthApi,
      }) =>
        new KubernetesAuthProviders({
          microsoftAuthApi,
          googleAuthApi,
          oidcProviders: {
            gitlab: gitlabAuthApi,
            google: googleAuthApi,
            microsoft: microsoftAuthApi,
            okta: oktaAuthApi,
            onelogin: oneloginAuthApi,
            spectrocloud: spectroCloudAuthApi,
          },
        }),
    }),
});

export const spectroCloudKubernetesModule = createFrontendModule({
  pluginId: 'kubernetes',
  extensions: [spectroCloudAuthApi, kubernetesAuthProvidersWithSpectroCloud],
});
